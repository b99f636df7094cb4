/**
 * Text mode: the same agent without audio, for visitors whose microphone is denied or missing.
 *
 * Contract: `POST /api/sessions/{id}/messages/` with `Authorization: Bearer <session token>`,
 * body `{text}` → `{reply, tool_calls, ended?}`.
 */

import { Emitter } from "./emitter";
import { OsharaError } from "./errors";
import { normalizeBaseUrl, requestJson } from "./http";
import { createSession, type SessionOptions } from "./session";
import type { SessionGrant, ShowFormRequest } from "./types";

export interface ToolCallInfo {
  name: string;
  arguments: Record<string, unknown>;
  [key: string]: unknown;
}

export interface TextReply {
  reply: string;
  toolCalls: ToolCallInfo[];
  /** The agent ended the conversation (`end_call`). */
  ended: boolean;
  /** The character's greeting, with the reply to the conversation's first message. */
  greeting?: string;
}

export type TextChatEvents = {
  reply: [TextReply];
  /** The agent called `show_form`; the UI shows the form. */
  showForm: [ShowFormRequest];
  ended: [];
};

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
    if (this.closed) throw new OsharaError("connection_lost", "This conversation has ended");
    const url = `${this.baseUrl}/api/sessions/${encodeURIComponent(this.session.session_id)}/messages/`;
    const req: Parameters<typeof requestJson>[2] = {
      method: "POST",
      body: { text },
      headers: { Authorization: `Bearer ${this.session.token}` },
    };
    if (this.fetchImpl) req.fetch = this.fetchImpl;
    if (signal) req.signal = signal;
    const raw = await requestJson<{ reply?: unknown; tool_calls?: unknown; ended?: unknown; greeting?: unknown }>(url, "session", req);
    const reply: TextReply = {
      reply: typeof raw?.reply === "string" ? raw.reply : "",
      toolCalls: Array.isArray(raw?.tool_calls) ? (raw.tool_calls as ToolCallInfo[]).filter((c) => c && typeof c.name === "string") : [],
      ended: raw?.ended === true,
    };
    if (typeof raw?.greeting === "string" && raw.greeting.trim()) reply.greeting = raw.greeting.trim();
    this.emit("reply", reply);
    for (const call of reply.toolCalls) {
      const args = call.arguments ?? {};
      if (call.name === "show_form" && typeof args.form_id === "string") {
        const req2: ShowFormRequest = { form_id: args.form_id };
        if (args.prefill && typeof args.prefill === "object") req2.prefill = args.prefill as Record<string, unknown>;
        this.emit("showForm", req2);
      }
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
