// VoiceCall over a stub Pipecat client: what it sends to connect, and how RTVI callbacks
// become typed call events (captions, speaking, show_form, lost connections).
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { PipecatClientOptions } from "@pipecat-ai/client-js";

const state = vi.hoisted(() => ({
  clients: [] as FakeClient[],
  transports: [] as { opts: Record<string, unknown> }[],
  connect: (async () => ({})) as (params: unknown) => Promise<unknown>,
  logLevels: [] as number[],
}));

interface FakeClient {
  options: PipecatClientOptions;
  handlers: Record<string, (p: { functionName: string; arguments: Record<string, unknown> }) => Promise<unknown>>;
  connectParams: unknown;
  mic: boolean;
  texts: string[];
  disconnected: number;
}

vi.mock("@pipecat-ai/small-webrtc-transport", () => ({
  WavMediaManager: class WavMediaManager {},
  SmallWebRTCTransport: class {
    constructor(opts: Record<string, unknown>) {
      state.transports.push({ opts });
    }
  },
}));

vi.mock("@pipecat-ai/client-js", () => ({
  LogLevel: { NONE: 0, ERROR: 1, WARN: 2, INFO: 3, DEBUG: 4 },
  logger: { setLevel: (level: number) => state.logLevels.push(level) },
  PipecatClient: class {
    options: PipecatClientOptions;
    handlers: FakeClient["handlers"] = {};
    connectParams: unknown;
    mic = true;
    texts: string[] = [];
    disconnected = 0;
    constructor(options: PipecatClientOptions) {
      this.options = options;
      state.clients.push(this as unknown as FakeClient);
    }
    registerFunctionCallHandler(name: string, fn: FakeClient["handlers"][string]) {
      this.handlers[name] = fn;
    }
    async connect(params: unknown) {
      this.connectParams = params;
      return state.connect(params);
    }
    async disconnect() {
      this.disconnected += 1;
    }
    enableMic(on: boolean) {
      this.mic = on;
    }
    async sendText(text: string) {
      this.texts.push(text);
    }
  },
}));

import { ConnectionFailedError } from "../src/sdk/errors";
import { startSession, VoiceCall, type Caption } from "../src/sdk/call";
import type { SessionGrant } from "../src/sdk/types";

const grant: SessionGrant = {
  session_id: "sess_1",
  token: "tok-1",
  transport: "webrtc",
  webrtc_url: "https://v.example/api/sessions/sess_1/webrtc/",
  livekit_url: null,
};

function lastClient(): FakeClient {
  const c = state.clients[state.clients.length - 1];
  if (!c) throw new Error("no client");
  return c;
}

beforeEach(() => {
  state.clients.length = 0;
  state.transports.length = 0;
  state.connect = async () => ({});
});

describe("VoiceCall", () => {
  it("connects with WavMediaManager and the session token on the WebRTC request", async () => {
    const states: string[] = [];
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false, handlers: { state: (s) => states.push(s) } });
    expect(call.state).toBe("connected");
    expect(states).toEqual(["connecting", "connected"]);
    expect(state.transports[0]!.opts.mediaManager?.constructor.name).toBe("WavMediaManager");
    const params = lastClient().connectParams as { webrtcRequestParams: { endpoint: string; headers: Headers } };
    expect(params.webrtcRequestParams.endpoint).toBe(grant.webrtc_url);
    expect(params.webrtcRequestParams.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(lastClient().options.enableCam).toBe(false);
    expect(state.logLevels.at(-1)).toBe(2); // the Pipecat client logs warnings only
    await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false, debug: true });
    expect(state.logLevels.at(-1)).toBe(4);
  });

  it("turns transcripts and bot output into caption lines", async () => {
    const captions: Caption[] = [];
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    call.on("caption", (c) => captions.push(c));
    const cb = lastClient().options.callbacks!;
    cb.onUserTranscript!({ text: "hel", final: false, timestamp: "", user_id: "" });
    cb.onUserTranscript!({ text: "hello there", final: true, timestamp: "", user_id: "" });
    cb.onBotOutput!({ text: "Hi!", aggregated_by: "word" });
    cb.onBotOutput!({ text: "How", aggregated_by: "word" });
    cb.onBotOutput!({ text: "Hi! How", aggregated_by: "sentence" }); // same text, other granularity
    cb.onBotStoppedSpeaking!();
    cb.onUserTranscript!({ text: "bye", final: true, timestamp: "", user_id: "" });
    expect(captions).toEqual([
      { id: "u0", role: "user", text: "hel", final: false },
      { id: "u0", role: "user", text: "hello there", final: true },
      { id: "a0", role: "agent", text: "Hi!", final: false },
      { id: "a0", role: "agent", text: "Hi! How", final: false },
      { id: "a0", role: "agent", text: "Hi! How", final: true },
      { id: "u1", role: "user", text: "bye", final: true },
    ]);
  });

  it("captions the agent from RTVI 2 bot-output segments, as their audio starts, without repeats", async () => {
    // What Pipecat 1.14 sends with Piper (no word timestamps): each segment once as "new"
    // (when its audio starts) and once as "completed" (when it has played).
    const captions: Caption[] = [];
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    call.on("caption", (c) => captions.push(c));
    const cb = lastClient().options.callbacks!;
    const out = (segment_id: number, text: string, spoken_status: "new" | "in-progress" | "completed", accumulated = "") =>
      cb.onBotOutput!({
        text,
        aggregated_by: "sentence",
        segment_id,
        spoken: spoken_status === "completed",
        will_be_spoken: true,
        spoken_status,
        spoken_progress: { accumulated_text: accumulated, remaining_text: "" },
      } as never);
    cb.onBotTranscript!({ text: "We are open from nine to five, Monday to Friday." }); // ignored: bot-output is used
    out(7, "We are open from nine to five,", "new");
    out(7, "We are open from nine to five,", "completed", "We are open from nine to five,");
    out(8, "Monday to Friday.", "new");
    out(8, "Monday to Friday.", "completed", "Monday to Friday.");
    cb.onBotStoppedSpeaking!();
    out(8, "Monday to Friday.", "completed", "Monday to Friday."); // late repeat of a finished line
    // Word-timestamp TTS: progress never shrinks the shown segment; text that is not spoken.
    out(9, "Sure thing.", "new");
    out(9, "Sure", "in-progress", "Sure");
    out(9, "Sure thing.", "completed", "Sure thing.");
    cb.onBotOutput!({ text: "(typing)", segment_id: 10, will_be_spoken: false, spoken_status: "new" } as never);
    cb.onBotStoppedSpeaking!();
    expect(captions).toEqual([
      { id: "a0", role: "agent", text: "We are open from nine to five,", final: false },
      { id: "a0", role: "agent", text: "We are open from nine to five, Monday to Friday.", final: false },
      { id: "a0", role: "agent", text: "We are open from nine to five, Monday to Friday.", final: true },
      { id: "a1", role: "agent", text: "Sure thing.", final: false },
      { id: "a1", role: "agent", text: "Sure thing. (typing)", final: false },
      { id: "a1", role: "agent", text: "Sure thing. (typing)", final: true },
    ]);
  });

  it("falls back to bot-transcription only for servers without bot-output", async () => {
    const captions: Caption[] = [];
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    call.on("caption", (c) => captions.push(c));
    const cb = lastClient().options.callbacks!;
    cb.onBotTranscript!({ text: "Hello." });
    cb.onBotTranscript!({ text: "Bye." });
    cb.onBotStoppedSpeaking!(); // a whole turn without bot-output: this server has none
    cb.onBotTranscript!({ text: "Again." });
    cb.onBotStoppedSpeaking!();
    expect(captions.map((c) => [c.id, c.text, c.final])).toEqual([
      ["a0", "Hello. Bye.", true],
      ["a1", "Again.", false],
      ["a1", "Again.", true],
    ]);
  });

  it("answers the agent's show_form with the page's outcome", async () => {
    const onShowForm = vi.fn(async () => ({ status: "submitted" as const, form_id: "contact", values: { name: "A" }, response_id: "r1" }));
    await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false, onShowForm });
    const result = await lastClient().handlers.show_form!({ functionName: "show_form", arguments: { form_id: "contact", prefill: { name: "A" } } });
    expect(onShowForm).toHaveBeenCalledWith({ form_id: "contact", prefill: { name: "A" } });
    expect(result).toEqual({ status: "submitted", form_id: "contact", values: { name: "A" }, response_id: "r1" });
  });

  it("reports a dropped connection as connection_lost, and a bot hang-up as a remote end", async () => {
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    const errors: string[] = [];
    const ends: string[] = [];
    call.on("error", (e) => errors.push(e.code));
    call.on("ended", (e) => ends.push(e.reason));
    lastClient().options.callbacks!.onDisconnected!();
    await Promise.resolve();
    expect(call.state).toBe("failed");
    expect(errors).toEqual(["connection_lost"]);
    expect(ends).toEqual(["error"]);

    const second = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    const secondEnds: string[] = [];
    second.on("ended", (e) => secondEnds.push(e.reason));
    lastClient().options.callbacks!.onBotDisconnected!({ id: "bot", name: "", local: false });
    await new Promise((r) => setTimeout(r, 0));
    expect(second.state).toBe("ended");
    expect(secondEnds).toEqual(["remote"]);
  });

  it("mutes, types and hangs up through the client", async () => {
    const call = await startSession({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    const muted: boolean[] = [];
    call.on("muted", (m) => muted.push(m));
    call.setMuted(true);
    expect(lastClient().mic).toBe(false);
    await call.sendText("typed");
    expect(lastClient().texts).toEqual(["typed"]);
    const client = lastClient();
    await call.end();
    expect(client.disconnected).toBe(1);
    expect(call.state).toBe("ended");
    expect(muted).toEqual([true]);
  });

  it("maps a refused offer to ConnectionFailedError with its status", async () => {
    state.connect = async () => {
      throw Object.assign(new Error("WebRTC offer rejected with status 401"), { status: 401 });
    };
    const call = new VoiceCall({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false });
    const err = await call.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionFailedError);
    expect((err as ConnectionFailedError).status).toBe(401);
    expect(call.state).toBe("failed");
  });

  it("refuses transports this build cannot speak", async () => {
    const call = new VoiceCall({ agent: "bot", baseUrl: "https://v.example", grant: { ...grant, transport: "livekit", webrtc_url: null, livekit_url: "wss://lk" }, checkMicrophone: false });
    await expect(call.connect()).rejects.toMatchObject({ code: "unsupported_transport" });
    expect(state.clients).toHaveLength(0);
  });

  it("gives up after connectTimeoutMs", async () => {
    state.connect = () => new Promise(() => undefined);
    const call = new VoiceCall({ agent: "bot", baseUrl: "https://v.example", grant, checkMicrophone: false, connectTimeoutMs: 20 });
    await expect(call.connect()).rejects.toMatchObject({ code: "connection_failed", message: "The agent did not answer within 1 s" });
  });
});
