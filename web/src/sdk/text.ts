/**
 * Text mode: the same agent without audio, for visitors whose microphone is denied or missing.
 *
 * Contract: `POST /api/sessions/{id}/messages/` with `Authorization: Bearer <session token>`.
 * Body `{text}` (a visitor message) or `{form_result: {form_id, status, values?, response_id?,
 * error?}}` (the outcome of a form the agent showed) → `{reply, tool_calls, forms?, ended?,
 * greeting?}`. `forms` lists the forms the agent showed during that turn, `[{form_id, prefill?,
 * form}]`; the page shows them and reports each outcome back with {@link TextChat.sendFormResult},
 * so the agent learns what happened, as it does during a voice call.
 */

import { Emitter } from "./emitter";
import { OsharaError } from "./errors";
import { normalizeBaseUrl, requestJson } from "./http";
import { createSession, type SessionOptions } from "./session";
import type { FormDefinition, FormOutcome, SessionGrant, ShowFormRequest, TextMessageRequest, TextTurnAnswer } from "./types";

/** A tool the agent called during the turn: `{name, arguments, status?, duration_ms?}`. */
export type ToolCallInfo = TextTurnAnswer["tool_calls"][number] & { [key: string]: unknown };

/**
 * A form the agent showed during a text turn (`show_form`). `form` is the definition as the
 * appearance endpoint serves it; left out when the answer's did not match `form_id`.
 */
export type OfferedForm = Omit<NonNullable<TextTurnAnswer["forms"]>[number], "form"> & {
  form?: FormDefinition;
};

export interface TextReply {
  reply: string;
  toolCalls: ToolCallInfo[];
  /** Forms the agent showed in this turn (the answer's `forms`). */
  forms: OfferedForm[];
  /** The agent ended the conversation (`end_call`). */
  ended: boolean;
  /** The character's greeting, with the reply to the conversation's first message. */
  greeting?: string;
}

export type TextChatEvents = {
  reply: [TextReply];
  /** The agent called `show_form`; the UI shows the form, then calls `sendFormResult`. */
  showForm: [ShowFormRequest];
  ended: [];
};

/** The answer's keys (from the server's schema), each checked before use. */
type RawAnswer = { [K in keyof TextTurnAnswer]?: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function offeredForms(raw: unknown): OfferedForm[] {
  if (!Array.isArray(raw)) return [];
  const out: OfferedForm[] = [];
  for (const item of raw) {
    if (!isRecord(item) || typeof item.form_id !== "string" || !item.form_id) continue;
    const offered: OfferedForm = { form_id: item.form_id };
    if (isRecord(item.prefill)) offered.prefill = item.prefill;
    if (isRecord(item.form) && item.form.id === item.form_id) offered.form = item.form as unknown as FormDefinition;
    out.push(offered);
  }
  return out;
}

export class TextChat extends Emitter<TextChatEvents> {
  readonly session: SessionGrant;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch | undefined;
  private closed = false;

  constructor(session: SessionGrant, baseUrl: string, fetchImpl?: typeof fetch) {
    super();
    this.session = session;
    this.baseUrl = normalizeBaseUrl(baseUrl);
    this.fetchImpl = fetchImpl;
  }

  get ended(): boolean {
    return this.closed;
  }

  /** Send one visitor message and wait for the agent's reply. */
  async send(text: string, signal?: AbortSignal): Promise<TextReply> {
    return this.post({ text }, signal);
  }

  /**
   * Tell the agent what became of a form it showed (submitted with its values, or closed),
   * and wait for its answer. Only the outcome's known keys are sent.
   */
  async sendFormResult(outcome: FormOutcome, signal?: AbortSignal): Promise<TextReply> {
    const result: FormOutcome = { status: outcome.status, form_id: outcome.form_id };
    if (outcome.values) result.values = outcome.values;
    if (outcome.response_id) result.response_id = outcome.response_id;
    if (outcome.error) result.error = outcome.error;
    return this.post({ form_result: result }, signal);
  }

  private async post(body: TextMessageRequest, signal: AbortSignal | undefined): Promise<TextReply> {
    if (this.closed) throw new OsharaError("connection_lost", "This conversation has ended");
    const url = `${this.baseUrl}/api/sessions/${encodeURIComponent(this.session.session_id)}/messages/`;
    const req: Parameters<typeof requestJson>[2] = {
      method: "POST",
      body,
      headers: { Authorization: `Bearer ${this.session.token}` },
    };
    if (this.fetchImpl) req.fetch = this.fetchImpl;
    if (signal) req.signal = signal;
    const raw = await requestJson<RawAnswer>(url, "session", req);
    const reply: TextReply = {
      reply: typeof raw?.reply === "string" ? raw.reply : "",
      toolCalls: Array.isArray(raw?.tool_calls) ? (raw.tool_calls as ToolCallInfo[]).filter((c) => isRecord(c) && typeof c.name === "string") : [],
      forms: offeredForms(raw?.forms),
      ended: raw?.ended === true,
    };
    if (typeof raw?.greeting === "string" && raw.greeting.trim()) reply.greeting = raw.greeting.trim();
    this.emit("reply", reply);
    for (const offered of reply.forms) {
      const request: ShowFormRequest = { form_id: offered.form_id };
      if (offered.prefill) request.prefill = offered.prefill;
      if (offered.form) request.form = offered.form;
      this.emit("showForm", request);
    }
    if (reply.ended) this.end();
    return reply;
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("ended");
  }
}

/** Start a text-mode session (`mode: "text"`) and return its chat. */
export async function startTextSession(options: SessionOptions & { grant?: SessionGrant }): Promise<TextChat> {
  const grant = options.grant ?? (await createSession({ ...options, mode: "text" }));
  return new TextChat(grant, options.baseUrl, options.fetch);
}
