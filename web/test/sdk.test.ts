// The SDK's HTTP contract: request shapes and typed errors, with a stub fetch.
import { describe, expect, it, vi } from "vitest";

import { getAppearance } from "../src/sdk/appearance";
import {
  AgentNotFoundError,
  FormValidationError,
  HttpError,
  NetworkError,
  OriginNotAllowedError,
  RateLimitedError,
  SubmissionFailedError,
} from "../src/sdk/errors";
import { getAgentForms, initialValues, submitForm } from "../src/sdk/forms";
import { createSession, grantFromTokenAnswer, sessionIdFromToken } from "../src/sdk/session";
import { TextChat } from "../src/sdk/text";
import type { FormDefinition } from "../src/sdk/types";
import { microphoneError } from "../src/sdk/call";
import { describeError } from "../src/widget/messages";
import { parse as parseUserAgent } from "../src/shims/bowser";
import cloneDeep from "../src/shims/clone-deep";

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

function stubFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    seen.push({
      url: String(url),
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      credentials: init?.credentials,
    });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { "Content-Type": "application/json", ...headers } });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, seen };
}

const managed: FormDefinition = { id: "contact", title: "Contact", submit_url: null, success_message: "Thanks!", fields: [{ name: "name", label: "Name", type: "text" }] };
const external: FormDefinition = { id: "demo", title: "Demo", submit_url: "https://owner.example/api/demo", submit_method: "PATCH", fields: [{ name: "name", label: "Name", type: "text" }] };

describe("getAppearance / getAgentForms", () => {
  it("fetches the appearance endpoint and returns the forms", async () => {
    const { fetch, seen } = stubFetch(200, { slug: "bot", name: "Bot", language: "en", theme: {}, forms: [managed] });
    expect(await getAgentForms("bot", { baseUrl: "https://voice.example/", fetch })).toEqual([managed]);
    expect(seen[0]!.url).toBe("https://voice.example/api/agents/bot/appearance/");
  });

  it("turns 403, 404 and 429 into typed errors", async () => {
    await expect(getAppearance("bot", { baseUrl: "https://v.example", fetch: stubFetch(403, { detail: "Origin 'x' is not allowed" }).fetch })).rejects.toEqual(
      new OriginNotAllowedError("Origin 'x' is not allowed"),
    );
    await expect(getAppearance("nope", { baseUrl: "https://v.example", fetch: stubFetch(404, { detail: "Agent 'nope' not found" }).fetch })).rejects.toBeInstanceOf(AgentNotFoundError);
    const limited = getAppearance("bot", { baseUrl: "https://v.example", fetch: stubFetch(429, { detail: "slow down", retry_after: 9 }, { "Retry-After": "12" }).fetch });
    await expect(limited).rejects.toMatchObject({ code: "rate_limited", retryAfter: 12, status: 429 });
    const noHeader = getAppearance("bot", { baseUrl: "https://v.example", fetch: stubFetch(429, { detail: "slow", retry_after: 9 }).fetch });
    await expect(noHeader).rejects.toMatchObject({ retryAfter: 9 });
    await expect(getAppearance("bot", { baseUrl: "https://v.example", fetch: stubFetch(500, "oops").fetch })).rejects.toBeInstanceOf(HttpError);
  });

  it("reports an unreachable server as a NetworkError", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof globalThis.fetch;
    await expect(getAppearance("bot", { baseUrl: "https://v.example", fetch })).rejects.toBeInstanceOf(NetworkError);
  });

  it("encodes the slug so it cannot change the path", async () => {
    const { fetch, seen } = stubFetch(200, { forms: [] });
    await getAgentForms("../x?y", { baseUrl: "https://v.example", fetch });
    expect(seen[0]!.url).toBe("https://v.example/api/agents/..%2Fx%3Fy/appearance/");
  });
});

describe("submitForm", () => {
  it("posts {form_id, values, session_id} to managed storage with an Idempotency-Key", async () => {
    const record = { id: "r1", form_id: "contact", session_id: "sess_1", values: { name: "A" }, source: "widget", created_at: "2026-01-01T00:00:00Z" };
    const { fetch, seen } = stubFetch(201, record);
    const result = await submitForm(managed, { name: "A" }, { agent: "bot", baseUrl: "https://v.example", sessionId: "sess_1", idempotencyKey: "k1", fetch });
    expect(result).toEqual({ message: "Thanks!", record });
    expect(seen[0]).toMatchObject({
      url: "https://v.example/api/agents/bot/form-responses/",
      method: "POST",
      body: { form_id: "contact", values: { name: "A" }, session_id: "sess_1" },
    });
    expect(seen[0]!.headers["idempotency-key"]).toBe("k1");
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
  });

  it("leaves session_id out when there is no session", async () => {
    const { fetch, seen } = stubFetch(201, { id: "r" });
    await submitForm(managed, { name: "A" }, { agent: "bot", baseUrl: "https://v.example", fetch });
    expect(seen[0]!.body).toEqual({ form_id: "contact", values: { name: "A" } });
  });

  it("surfaces our 400 field_errors as a FormValidationError", async () => {
    const { fetch } = stubFetch(400, { detail: "Invalid values.name: Name is required", errors: [], field_errors: { name: "Name is required" } });
    const err = await submitForm(managed, {}, { agent: "bot", baseUrl: "https://v.example", fetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormValidationError);
    expect((err as FormValidationError).fieldErrors).toEqual({ name: "Name is required" });
  });

  it("keeps 403/404/429 typed; other failures become SubmissionFailedError", async () => {
    await expect(submitForm(managed, {}, { agent: "bot", baseUrl: "https://v.example", fetch: stubFetch(403, { detail: "no" }).fetch })).rejects.toBeInstanceOf(OriginNotAllowedError);
    await expect(submitForm(managed, {}, { agent: "bot", baseUrl: "https://v.example", fetch: stubFetch(429, { detail: "no" }).fetch })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(submitForm(managed, {}, { agent: "bot", baseUrl: "https://v.example", fetch: stubFetch(409, { detail: "Idempotency-Key reused" }).fetch })).rejects.toMatchObject({
      code: "submission_failed",
      status: 409,
    });
  });

  it("sends the flat values to the owner's submit_url with submit_method", async () => {
    const { fetch, seen } = stubFetch(200, { ok: true });
    const result = await submitForm(external, { name: "A" }, { agent: "bot", baseUrl: "https://v.example", sessionId: "sess_1", fetch });
    expect(result).toEqual({ message: "Submitted successfully.", body: { ok: true } });
    expect(seen[0]).toMatchObject({ url: "https://owner.example/api/demo", method: "PATCH", body: { name: "A" } });
    expect(seen[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("reports the owner's failures (with their field_errors when given)", async () => {
    await expect(submitForm(external, {}, { agent: "b", baseUrl: "https://v.example", fetch: stubFetch(500, "boom").fetch })).rejects.toBeInstanceOf(SubmissionFailedError);
    await expect(submitForm(external, {}, { agent: "b", baseUrl: "https://v.example", fetch: stubFetch(422, { field_errors: { name: "Taken" } }).fetch })).rejects.toMatchObject({
      fieldErrors: { name: "Taken" },
    });
    const offline = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof globalThis.fetch;
    await expect(submitForm(external, {}, { agent: "b", baseUrl: "https://v.example", fetch: offline })).rejects.toMatchObject({ code: "submission_failed" });
  });
});

describe("initialValues", () => {
  it("uses default_value, then prefill; checkboxes default to 'false'", () => {
    const form: FormDefinition = {
      id: "f",
      title: "F",
      steps: [
        { id: "a", fields: [{ name: "a", label: "A", type: "text", default_value: "x" }, { label: "note", type: "display" }] },
        { id: "b", fields: [{ name: "c", label: "C", type: "checkbox" }, { name: "s", label: "S", type: "select", options: ["one", { value: "two" }] }] },
      ],
    };
    expect(initialValues(form)).toEqual({ a: "x", c: "false", s: "" });
    expect(initialValues(form, { a: 5, c: "true", s: "two", other: "y" })).toEqual({ a: "5", c: "true", s: "two" });
    expect(initialValues(form, { a: { nested: 1 }, s: "three" })).toEqual({ a: "x", c: "false", s: "" });
  });
});

describe("sessions", () => {
  it("starts a session directly with the agent-session endpoint", async () => {
    const grant = { session_id: "sess_a", token: "t", transport: "webrtc", webrtc_url: "https://v.example/api/sessions/sess_a/webrtc/", livekit_url: null, expires_at: "x" };
    const { fetch, seen } = stubFetch(200, grant);
    expect(await createSession({ agent: "bot", baseUrl: "https://v.example", metadata: { user_name: "Ada" }, language: "de", fetch })).toEqual(grant);
    expect(seen[0]).toMatchObject({ url: "https://v.example/api/agents/agent-session/", method: "POST", body: { agent: "bot", mode: "voice", language: "de", metadata: { user_name: "Ada" } } });
  });

  it("uses the site's token endpoint (Pattern 1) with the page's cookies", async () => {
    const { fetch, seen } = stubFetch(200, { token: "tok", session_id: "sess_b", livekit_url: null });
    const grant = await createSession({ agent: "bot", baseUrl: "https://v.example", tokenUrl: "https://shop.example/voice-token", tokenHeaders: { "X-CSRF": "c" }, fetch });
    expect(seen[0]).toMatchObject({ url: "https://shop.example/voice-token", credentials: "same-origin", body: { agent: "bot", mode: "voice" } });
    expect(seen[0]!.headers["x-csrf"]).toBe("c");
    expect(grant).toEqual({ session_id: "sess_b", token: "tok", transport: "webrtc", webrtc_url: "https://v.example/api/sessions/sess_b/webrtc/", livekit_url: null });
  });

  it("completes the guide's minimal answers", () => {
    const payload = btoa(JSON.stringify({ sub: "sess_xyz", typ: "session" })).replace(/=+$/, "");
    const token = `eyJhbGciOiJIUzI1NiJ9.${payload}.sig`;
    expect(sessionIdFromToken(token)).toBe("sess_xyz");
    expect(sessionIdFromToken("not-a-jwt")).toBeUndefined();
    expect(grantFromTokenAnswer({ token, livekit_url: "wss://lk.example" }, "https://v.example", "voice")).toMatchObject({ session_id: "sess_xyz", transport: "livekit", webrtc_url: null });
    expect(grantFromTokenAnswer({ token }, "https://v.example", "text")).toMatchObject({ transport: "text", webrtc_url: null });
    expect(() => grantFromTokenAnswer({}, "https://v.example", "voice")).toThrow("without a token");
    expect(() => grantFromTokenAnswer({ token: "opaque" }, "https://v.example", "voice")).toThrow("without a session_id");
  });
});

describe("TextChat", () => {
  const session = { session_id: "sess_t", token: "tok", transport: "text" as const, webrtc_url: null, livekit_url: null };

  it("posts {text} with the session token and shows the answer's forms", async () => {
    const form = { id: "contact", title: "Contact", submit_url: null, fields: [{ name: "name", label: "Name", type: "text" }] };
    const { fetch, seen } = stubFetch(200, {
      reply: "Here you go",
      tool_calls: [{ name: "show_form", arguments: { form_id: "contact", prefill: { name: "A" } } }, { name: "lookup", arguments: {} }],
      forms: [{ form_id: "contact", prefill: { name: "A" }, form }],
    });
    const chat = new TextChat(session, "https://v.example", fetch);
    const shown = vi.fn();
    chat.on("showForm", shown);
    const reply = await chat.send("hello");
    expect(seen[0]).toMatchObject({ url: "https://v.example/api/sessions/sess_t/messages/", method: "POST", body: { text: "hello" } });
    expect(seen[0]!.headers.authorization).toBe("Bearer tok");
    expect(reply.reply).toBe("Here you go");
    expect(reply.toolCalls.map((c) => c.name)).toEqual(["show_form", "lookup"]);
    expect(reply.forms).toEqual([{ form_id: "contact", prefill: { name: "A" }, form }]);
    expect(shown).toHaveBeenCalledTimes(1);
    expect(shown).toHaveBeenCalledWith({ form_id: "contact", prefill: { name: "A" }, form });
  });

  it("opens forms from `forms` only, never by reading tool calls", async () => {
    // A show_form call that failed (e.g. bad prefill) is in tool_calls but offered no form.
    const { fetch } = stubFetch(200, { reply: "Sorry", tool_calls: [{ name: "show_form", arguments: { form_id: "contact" } }] });
    const chat = new TextChat(session, "https://v.example", fetch);
    const shown = vi.fn();
    chat.on("showForm", shown);
    expect((await chat.send("hi")).forms).toEqual([]);
    expect(shown).not.toHaveBeenCalled();
    // Malformed entries are skipped; a definition for another id is not trusted.
    const odd = stubFetch(200, { reply: "", forms: [null, { prefill: {} }, { form_id: "a", form: { id: "b", title: "B" } }, { form_id: "c", prefill: "x" }] });
    const chat2 = new TextChat(session, "https://v.example", odd.fetch);
    expect((await chat2.send("hi")).forms).toEqual([{ form_id: "a" }, { form_id: "c" }]);
  });

  it("reports a form's outcome to the agent as {form_result} and returns its answer", async () => {
    const { fetch, seen } = stubFetch(200, { reply: "Thanks, Ada!", tool_calls: [], forms: [] });
    const chat = new TextChat(session, "https://v.example", fetch);
    const reply = await chat.sendFormResult({ status: "submitted", form_id: "contact", values: { name: "Ada" }, response_id: "r1", extra: "dropped" } as never);
    expect(seen[0]).toMatchObject({
      url: "https://v.example/api/sessions/sess_t/messages/",
      method: "POST",
      body: { form_result: { status: "submitted", form_id: "contact", values: { name: "Ada" }, response_id: "r1" } },
    });
    expect(seen[0]!.headers.authorization).toBe("Bearer tok");
    expect(reply.reply).toBe("Thanks, Ada!");
    await chat.sendFormResult({ status: "cancelled", form_id: "contact" });
    expect(seen[1]!.body).toEqual({ form_result: { status: "cancelled", form_id: "contact" } });
  });

  it("ends when the agent ends the conversation", async () => {
    const { fetch } = stubFetch(200, { reply: "Bye", tool_calls: [], ended: true });
    const chat = new TextChat({ session_id: "s", token: "t", transport: "text", webrtc_url: null, livekit_url: null }, "https://v.example", fetch);
    const ended = vi.fn();
    chat.on("ended", ended);
    await chat.send("bye");
    expect(chat.ended).toBe(true);
    expect(ended).toHaveBeenCalledTimes(1);
    await expect(chat.send("again")).rejects.toMatchObject({ code: "connection_lost" });
  });
});

describe("microphone errors and messages", () => {
  it("classifies getUserMedia failures", () => {
    expect(microphoneError(new DOMException("x", "NotAllowedError")).code).toBe("microphone_denied");
    expect(microphoneError(new DOMException("x", "NotFoundError")).code).toBe("microphone_unavailable");
    expect(microphoneError(new DOMException("x", "NotReadableError")).message).toContain("in use");
  });

  it("says plainly what happened", () => {
    expect(describeError(new RateLimitedError("busy", 1.2), "bot").message).toBe("The assistant is busy right now. Please try again in 2 seconds.");
    expect(describeError(new RateLimitedError("busy", undefined), "bot").message).toBe("The assistant is busy right now. Please try again in a moment.");
    expect(describeError(new AgentNotFoundError("x"), "bot").message).toBe("There is no assistant called “bot”.");
  });
});

describe("build shims", () => {
  it("bowser's parse() fields for common browsers", () => {
    const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    expect(parseUserAgent(chrome)).toEqual({ browser: { name: "Chrome", version: "156.0.0.0" }, engine: { name: "Blink" }, os: { name: "Linux" }, platform: { type: "desktop" } });
    const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    expect(parseUserAgent(iphone)).toMatchObject({ browser: { name: "Safari", version: "17.4" }, os: { name: "iOS", version: "17.4" }, platform: { type: "mobile" } });
  });

  it("cloneDeep copies plain data and keeps other objects by reference", () => {
    const headers = new Headers({ a: "1" });
    const source = { endpoint: "u", headers, requestData: { nested: [1, { x: 2 }] } };
    const copy = cloneDeep(source);
    expect(copy).toEqual(source);
    expect(copy.requestData).not.toBe(source.requestData);
    expect(copy.requestData.nested[1]).not.toBe(source.requestData.nested[1]);
    expect(copy.headers).toBe(headers);
  });
});
