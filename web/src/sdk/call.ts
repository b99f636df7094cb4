/**
 * Voice calls: `@pipecat-ai/client-js` over `SmallWebRTCTransport` (RTVI protocol).
 *
 * The transport is always built with `WavMediaManager`: the package's default media manager
 * downloads a bundle from a third-party CDN at run time, which fails offline and on
 * privacy-strict sites (DESIGN §9). The session token travels as `Authorization: Bearer` on
 * the SDP offer (POST) and the trickle-ICE candidates (PATCH) to the session's `webrtc_url`.
 */

import { LogLevel, logger as pipecatLogger, PipecatClient, type BotOutputData, type PipecatClientOptions, type TranscriptData } from "@pipecat-ai/client-js";
import { SmallWebRTCTransport, WavMediaManager } from "@pipecat-ai/small-webrtc-transport";

import { Emitter } from "./emitter";
import {
  ConnectionFailedError,
  ConnectionLostError,
  MicrophoneDeniedError,
  MicrophoneUnavailableError,
  OsharaError,
  UnsupportedTransportError,
} from "./errors";
import { createSession, type SessionOptions } from "./session";
import type { FormOutcome, SessionGrant, ShowFormRequest } from "./types";

export type CallState = "idle" | "connecting" | "connected" | "ended" | "failed";

/** One line of live captions; events with the same `id` update the same line. */
export interface Caption {
  id: string;
  role: "user" | "agent";
  text: string;
  final: boolean;
}

export type EndReason = "local" | "remote" | "error";

export type CallEvents = {
  state: [CallState];
  caption: [Caption];
  userSpeaking: [boolean];
  agentSpeaking: [boolean];
  muted: [boolean];
  error: [OsharaError];
  ended: [{ reason: EndReason; error?: OsharaError }];
};

export type ShowFormHandler = (request: ShowFormRequest) => Promise<FormOutcome>;

export interface StartSessionOptions extends SessionOptions {
  /** A session you already started (e.g. on your backend); skips `createSession`. */
  grant?: SessionGrant;
  /** Plays the agent's voice; one is created (not attached to the page) when absent. */
  audioElement?: HTMLAudioElement;
  /** Answers the agent's `show_form` tool; the outcome is returned to the agent. */
  onShowForm?: ShowFormHandler;
  /** Listeners registered before connecting, so no early event is missed. */
  handlers?: { [K in keyof CallEvents]?: (...args: CallEvents[K]) => void };
  /** Ask for the microphone before starting the session (default true). */
  checkMicrophone?: boolean;
  iceServers?: RTCIceServer[];
  /** Give up connecting after this long (default 30 s). */
  connectTimeoutMs?: number;
  /**
   * Log every RTVI message of the Pipecat client to the console (its debug level). By default
   * it logs warnings and errors only: a call otherwise prints hundreds of lines on the page.
   */
  debug?: boolean;
}

/**
 * Ask for the microphone once, before anything else, so a refusal is a clear typed error and
 * does not use up a session. The stream is released at once; the media manager opens its own.
 */
export async function requestMicrophone(): Promise<void> {
  const media = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  if (!media || typeof media.getUserMedia !== "function") {
    throw new MicrophoneUnavailableError("This page cannot use a microphone (it must be served over HTTPS)");
  }
  let stream: MediaStream;
  try {
    stream = await media.getUserMedia({ audio: true });
  } catch (err) {
    throw microphoneError(err);
  }
  for (const track of stream.getTracks()) track.stop();
}

export function microphoneError(err: unknown): OsharaError {
  const name = err && typeof err === "object" && "name" in err ? String((err as { name: unknown }).name) : "";
  if (name === "NotAllowedError" || name === "PermissionDeniedError" || name === "SecurityError") {
    return new MicrophoneDeniedError("Microphone access was denied", { cause: err });
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return new MicrophoneUnavailableError("No microphone was found", { cause: err });
  }
  if (name === "NotReadableError" || name === "TrackStartError") {
    return new MicrophoneUnavailableError("The microphone is in use by another application", { cause: err });
  }
  return new MicrophoneUnavailableError("The microphone could not be started", { cause: err });
}

function connectionError(err: unknown): OsharaError {
  if (err instanceof OsharaError) return err;
  const status = err && typeof err === "object" && "status" in err ? Number((err as { status: unknown }).status) : NaN;
  if (status === 401) {
    return new ConnectionFailedError("The voice service refused the session token (it may have expired)", 401, { cause: err });
  }
  if (Number.isFinite(status) && status > 0) {
    return new ConnectionFailedError(`The voice service refused the connection (HTTP ${status})`, status, { cause: err });
  }
  const message = err instanceof Error && err.message ? err.message : String(err);
  return new ConnectionFailedError(`Could not connect to the voice service: ${message}`, undefined, { cause: err });
}

/** A voice call with an agent. Create it with {@link startSession}. */
export class VoiceCall extends Emitter<CallEvents> {
  readonly options: StartSessionOptions;
  private _session: SessionGrant | undefined;
  private _state: CallState = "idle";
  private _muted = false;
  private client: PipecatClient | undefined;
  private audio: HTMLAudioElement | undefined;
  private ending = false;
  private userLine = 0;
  private agentLine = 0;
  private sawBotOutput = false;
  private showFormHandler: ShowFormHandler | undefined;

  constructor(options: StartSessionOptions) {
    super();
    this.options = options;
    this.showFormHandler = options.onShowForm;
    for (const [event, handler] of Object.entries(options.handlers ?? {})) {
      if (handler) this.on(event as keyof CallEvents, handler as never);
    }
  }

  get state(): CallState {
    return this._state;
  }

  /** The session (id, token, urls), once created. */
  get session(): SessionGrant | undefined {
    return this._session;
  }

  get muted(): boolean {
    return this._muted;
  }

  private setState(state: CallState): void {
    if (state === this._state) return;
    this._state = state;
    this.emit("state", state);
  }

  /** Connect: microphone, session, signaling; resolves once the agent is ready. */
  async connect(): Promise<void> {
    if (this._state !== "idle") throw new OsharaError("connection_failed", "This call was already started");
    this.setState("connecting");
    try {
      if (this.options.checkMicrophone !== false) await requestMicrophone();
      const grant = this.options.grant ?? (await createSession({ ...this.options, mode: "voice" }));
      this._session = grant;
      if (grant.transport !== "webrtc" || !grant.webrtc_url) {
        throw new UnsupportedTransportError(
          grant.transport === "livekit"
            ? "This server uses LiveKit for media, which this widget build does not support yet"
            : `The session has no WebRTC endpoint (transport ${grant.transport})`,
        );
      }
      await this.connectWebRTC(grant);
      if (this.ending) return;
      this.setState("connected");
    } catch (err) {
      const error = err instanceof OsharaError ? err : connectionError(err);
      await this.teardown();
      this.fail(error);
      throw error;
    }
  }

  private async connectWebRTC(grant: SessionGrant): Promise<void> {
    const transportOptions: ConstructorParameters<typeof SmallWebRTCTransport>[0] = {
      mediaManager: new WavMediaManager(),
    };
    if (this.options.iceServers) transportOptions.iceServers = this.options.iceServers;
    const transport = new SmallWebRTCTransport(transportOptions);
    const clientOptions: PipecatClientOptions = {
      transport,
      enableMic: true,
      enableCam: false,
      callbacks: {
        onTrackStarted: (track, participant) => this.onTrackStarted(track, participant?.local === true),
        onUserTranscript: (data) => this.onUserTranscript(data),
        onBotOutput: (data) => this.onBotOutput(data),
        onBotTranscript: (data) => this.onBotTranscript(data.text),
        onBotStartedSpeaking: () => this.emit("agentSpeaking", true),
        onBotStoppedSpeaking: () => {
          this.emit("agentSpeaking", false);
          this.finishAgentLine();
        },
        onUserStartedSpeaking: () => this.emit("userSpeaking", true),
        onUserStoppedSpeaking: () => this.emit("userSpeaking", false),
        onBotDisconnected: () => {
          if (this._state === "connected" && !this.ending) void this.finish("remote");
        },
        onDisconnected: () => {
          if (this._state === "connected" && !this.ending) {
            void this.teardown();
            this.fail(new ConnectionLostError());
          }
        },
        onError: (message) => {
          const data = (message?.data ?? {}) as { message?: unknown; fatal?: unknown };
          const text = typeof data.message === "string" ? data.message : "The agent reported an error";
          const error = new OsharaError("connection_failed", text);
          if (data.fatal === true && this._state === "connected") {
            void this.teardown();
            this.fail(error);
          } else this.emit("error", error);
        },
      },
    };
    pipecatLogger.setLevel(this.options.debug ? LogLevel.DEBUG : LogLevel.WARN);
    const client = new PipecatClient(clientOptions);
    this.client = client;
    client.registerFunctionCallHandler("show_form", async (params) => {
      const args = params.arguments ?? {};
      const request: ShowFormRequest = { form_id: String(args.form_id ?? "") };
      if (args.prefill && typeof args.prefill === "object") request.prefill = args.prefill as Record<string, unknown>;
      if (!this.showFormHandler) return { status: "cancelled", form_id: request.form_id, error: "the page cannot show forms" };
      const outcome = await this.showFormHandler(request);
      return { ...outcome } as Record<string, unknown>;
    });
    const headers = new Headers({ Authorization: `Bearer ${grant.token}` });
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConnectionFailedError(`The agent did not answer within ${Math.ceil(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([client.connect({ webrtcRequestParams: { endpoint: grant.webrtc_url as string, headers } }), timeout]);
    } catch (err) {
      throw connectionError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  private onTrackStarted(track: MediaStreamTrack, local: boolean): void {
    if (local || track.kind !== "audio") return;
    // Chromium only routes a remote WebRTC track while a media element plays it.
    // The transport reports the remote track again each time it unmutes: keep playing the
    // same stream rather than restarting the element.
    const audio = this.options.audioElement ?? this.audio ?? new Audio();
    this.audio = audio;
    audio.autoplay = true;
    const current = audio.srcObject instanceof MediaStream ? audio.srcObject : null;
    if (!current || !current.getAudioTracks().includes(track)) audio.srcObject = new MediaStream([track]);
    if (audio.paused) void audio.play().catch(() => undefined);
  }

  private onUserTranscript(data: TranscriptData): void {
    const text = (data.text ?? "").trim();
    if (!text) return;
    this.emit("caption", { id: `u${this.userLine}`, role: "user", text, final: data.final });
    if (data.final) this.userLine += 1;
  }

  /**
   * Agent captions follow the agent's audio. RTVI protocol 2 (Pipecat >= 1.13) sends each text
   * segment (a sentence, or the greeting) several times under one `segment_id`: `spoken_status:
   * "new"` as its audio starts (it travels with the audio through the server's output queue),
   * `"in-progress"` with the words heard so far (TTS with word timestamps), `"completed"` once
   * its audio has played. A segment is shown from its first message and never shrinks; text
   * that will not be spoken (`will_be_spoken: false`) comes once, as "new".
   */
  private onBotOutput(data: BotOutputData): void {
    if (!this.sawBotOutput) {
      this.sawBotOutput = true;
      this.transcriptText = ""; // bot-output supersedes the deprecated bot-transcription
    }
    const status = data.spoken_status;
    if (status) {
      const key = data.segment_id !== undefined ? `s${data.segment_id}` : `n${this.segments.size}`;
      if (this.finishedSegments.has(key)) return; // a late "completed" of a finished line
      const known = this.segments.get(key) ?? "";
      const progress = data.spoken_progress?.accumulated_text ?? "";
      let text: string;
      if (status === "completed") text = progress || data.text || "";
      else if (status === "in-progress") text = progress;
      else text = data.text ?? "";
      text = text.trim();
      this.segments.set(key, text.length >= known.length ? text : known);
      this.emitAgentLine(false);
      return;
    }
    // Protocol 1.4: `spoken: false` is text not heard yet; word- and sentence-level outputs of
    // the same speech may both arrive, and captions use one of them.
    if (data.spoken === false) return;
    if (data.aggregated_by === "word") this.agentWords = true;
    else if (this.agentWords) return;
    const piece = (data.text ?? "").trim();
    if (piece) this.segments.set(`n${this.segments.size}`, piece);
    this.emitAgentLine(false);
  }

  /**
   * Deprecated `bot-transcription` (the LLM's text, sent before it is spoken): a fallback for
   * servers without bot-output. Until such a server is recognised (a whole agent turn without
   * bot-output) the text is held back and shown when the agent stops speaking.
   */
  private onBotTranscript(piece: string): void {
    if (this.sawBotOutput) return;
    const text = (piece ?? "").trim();
    if (!text) return;
    this.transcriptText = this.transcriptText ? `${this.transcriptText} ${text}` : text;
    if (this.transcriptsOnly) this.emitAgentLine(false);
  }

  private agentWords = false;
  private transcriptsOnly = false;
  private segments = new Map<string, string>();
  private finishedSegments = new Set<string>();
  private transcriptText = "";
  private agentText = "";

  private emitAgentLine(final: boolean): void {
    const text = this.sawBotOutput ? [...this.segments.values()].filter(Boolean).join(" ") : this.transcriptText;
    if (!text || (text === this.agentText && !final)) return;
    this.agentText = text;
    this.emit("caption", { id: `a${this.agentLine}`, role: "agent", text, final });
  }

  private finishAgentLine(): void {
    if (!this.sawBotOutput && this.transcriptText) this.transcriptsOnly = true;
    this.emitAgentLine(true);
    if (this.agentText) this.agentLine += 1;
    this.agentText = "";
    this.transcriptText = "";
    if (this.finishedSegments.size > 500) this.finishedSegments.clear();
    for (const key of this.segments.keys()) if (key.startsWith("s")) this.finishedSegments.add(key);
    this.segments.clear();
    this.agentWords = false;
  }

  /** Register (or replace) the handler of the agent's `show_form` tool. */
  onShowForm(handler: ShowFormHandler | undefined): void {
    this.showFormHandler = handler;
  }

  /** Mute or unmute the microphone. */
  setMuted(muted: boolean): void {
    this._muted = muted;
    this.client?.enableMic(!muted);
    this.emit("muted", muted);
  }

  /** Type to the agent during a voice call (RTVI `send-text`). */
  async sendText(text: string): Promise<void> {
    if (!this.client || this._state !== "connected") throw new OsharaError("connection_lost", "The call is not connected");
    await this.client.sendText(text);
  }

  /** Hang up. */
  async end(): Promise<void> {
    await this.finish("local");
  }

  private async finish(reason: EndReason): Promise<void> {
    if (this._state === "ended" || this._state === "failed") return;
    this.ending = true;
    this.finishAgentLine();
    await this.teardown();
    this.setState("ended");
    this.emit("ended", { reason });
  }

  private fail(error: OsharaError): void {
    if (this._state === "ended" || this._state === "failed") return;
    this.ending = true;
    this.setState("failed");
    this.emit("error", error);
    this.emit("ended", { reason: "error", error });
  }

  private async teardown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.ending = true;
      try {
        await client.disconnect();
      } catch {
        /* already down */
      }
    }
    if (this.audio) {
      this.audio.pause();
      this.audio.srcObject = null;
    }
  }
}

/**
 * Start a voice session and resolve with the connected call (guide's `startSession`).
 * Rejects with a typed error: `MicrophoneDeniedError`, `MicrophoneUnavailableError`,
 * `OriginNotAllowedError`, `AgentNotFoundError`, `RateLimitedError`,
 * `ConnectionFailedError`, `UnsupportedTransportError`.
 */
export async function startSession(options: StartSessionOptions): Promise<VoiceCall> {
  const call = new VoiceCall(options);
  await call.connect();
  return call;
}
