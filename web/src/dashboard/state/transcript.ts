// The "Try it" page's transcripts: text-mode messages and replies, and a voice call's live
// captions merged into lines (a caption with a known id updates its line). Pure.

export type Speaker = "user" | "agent" | "note";

export interface Line {
  id: string;
  role: Speaker;
  text: string;
  /** False while a voice caption is still being spoken. */
  final: boolean;
}

/** A caption from the SDK's VoiceCall (`caption` event). */
export interface CaptionLike {
  id: string;
  role: "user" | "agent";
  text: string;
  final: boolean;
}

/** A text-mode reply (the SDK's TextReply, the fields used here). */
export interface ReplyLike {
  reply: string;
  greeting?: string;
  ended: boolean;
  toolCalls: readonly { name: string }[];
}

/** A caption merged in: same id → that line updated in place; a new id → a new line. An empty,
 * unfinished caption adds nothing (the speaker has not said a word yet). */
export function mergeCaption(lines: readonly Line[], c: CaptionLike): Line[] {
  const text = c.text.trim();
  const at = lines.findIndex((l) => l.id === c.id);
  if (at < 0) {
    if (!text) return [...lines];
    return [...lines, { id: c.id, role: c.role, text, final: c.final }];
  }
  const next = [...lines];
  if (!text && c.final) {
    next.splice(at, 1); // a line that ended up empty (noise) goes away
    return next;
  }
  next[at] = { ...next[at]!, text: text || next[at]!.text, final: c.final };
  return next;
}

/** The visitor's message, sent. */
export function addUserMessage(lines: readonly Line[], id: string, text: string): Line[] {
  return [...lines, { id, role: "user", text: text.trim(), final: true }];
}

/**
 * The agent's answer to a text message. The greeting arrives with the reply to the first
 * message: it goes before that message, where it was "said". Tool calls and the end of the
 * conversation are shown as notes.
 */
export function addReply(lines: readonly Line[], id: string, r: ReplyLike): Line[] {
  const next = [...lines];
  if (r.greeting && !next.some((l) => l.id === "greeting")) {
    const firstUser = next.findIndex((l) => l.role === "user");
    next.splice(firstUser < 0 ? next.length : firstUser, 0, { id: "greeting", role: "agent", text: r.greeting, final: true });
  }
  for (const [i, call] of r.toolCalls.entries()) {
    next.push({ id: `${id}-tool${i}`, role: "note", text: `Used the tool ${call.name}`, final: true });
  }
  if (r.reply.trim()) next.push({ id, role: "agent", text: r.reply.trim(), final: true });
  if (r.ended) next.push({ id: `${id}-end`, role: "note", text: "The agent ended the conversation.", final: true });
  return next;
}

export function addNote(lines: readonly Line[], id: string, text: string): Line[] {
  return [...lines, { id, role: "note", text, final: true }];
}

export type CallStatus = "idle" | "connecting" | "connected" | "ended" | "failed";

/** The voice card's status line. */
export function callStatusText(state: CallStatus, agentSpeaking = false): string {
  switch (state) {
    case "idle":
      return "Not connected. Press Call and allow the microphone.";
    case "connecting":
      return "Connecting…";
    case "connected":
      return agentSpeaking ? "Connected · the agent is speaking" : "Connected · speak now";
    case "ended":
      return "Call ended.";
    case "failed":
      return "The call failed.";
  }
}

/** Who says the line, for the transcript's visible label. */
export function speakerLabel(role: Speaker, agentName: string): string {
  return role === "user" ? "You" : role === "agent" ? agentName : "";
}

/** The form a text reply asks the page to show: the first offered one that carries its
 * definition (one without cannot be rendered; the agent is told by the server it was offered). */
export function formToShow<T extends { form_id: string; form?: F | undefined }, F>(forms: readonly T[]): (T & { form: F }) | null {
  for (const f of forms) if (f.form) return f as T & { form: F };
  return null;
}

/** The transcript's note for a form's outcome. */
export function formOutcomeNote(outcome: { status: string; form_id: string }): string {
  return outcome.status === "submitted" ? `Form ${outcome.form_id} submitted` : `Form ${outcome.form_id} closed without sending`;
}
