/** Starting a session: directly (`POST /api/agents/agent-session/`) or via the site's backend. */

import { OsharaError } from "./errors";
import { normalizeBaseUrl, requestJson } from "./http";
import type { BaseOptions, SessionGrant, SessionRequest } from "./types";

export interface SessionOptions extends BaseOptions {
  /** The character's slug. */
  agent: string;
  /** The visitor's context, rendered into the agent's prompt (`{{user_name}}` ...). */
  metadata?: Record<string, unknown>;
  /** BCP 47 language, e.g. `"en"`; defaults to the character's. */
  language?: string;
  /**
   * Guide, Pattern 1: your backend's endpoint that starts the session with Oshara and returns
   * `{token, session_id?, webrtc_url?, livekit_url?}`. It is POSTed `{agent, language?,
   * metadata?, mode}` with the page's cookies (same-origin). Without it the browser calls
   * Oshara directly, which works when the page's origin is in the agent's `allowed_origins`.
   */
  tokenUrl?: string;
  /** Extra headers for the `tokenUrl` request (e.g. a CSRF token). */
  tokenHeaders?: Record<string, string>;
  signal?: AbortSignal;
}

/** A site's token endpoint answer: any subset of the session answer's keys, unchecked. */
type TokenAnswer = { [K in keyof SessionGrant]?: unknown };

/** The `sub` claim of a session token (`sess_…`), when it is a readable JWT. */
export function sessionIdFromToken(token: string): string | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const claims = JSON.parse(json) as { sub?: unknown };
    return typeof claims.sub === "string" && claims.sub.startsWith("sess_") ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Complete what a site's token endpoint returned. The guide's own examples return only
 * `{token, livekit_url, session_id}` or even `{token, livekit_url}`, so the session id falls
 * back to the token's subject and the WebRTC URL to its standard path on `baseUrl`.
 */
export function grantFromTokenAnswer(answer: TokenAnswer, baseUrl: string, mode: "voice" | "text"): SessionGrant {
  const token = str(answer.token);
  if (!token) {
    throw new OsharaError("http_error", "The token endpoint answered without a token");
  }
  const sessionId = str(answer.session_id) ?? sessionIdFromToken(token);
  if (!sessionId) {
    throw new OsharaError("http_error", "The token endpoint answered without a session_id");
  }
  let webrtcUrl = str(answer.webrtc_url);
  const livekitUrl = str(answer.livekit_url);
  let transport: SessionGrant["transport"];
  const declared = str(answer.transport);
  if (declared === "webrtc" || declared === "livekit" || declared === "text") transport = declared;
  else if (mode === "text") transport = "text";
  else if (livekitUrl && !webrtcUrl) transport = "livekit";
  else transport = "webrtc";
  if (transport === "webrtc" && !webrtcUrl) {
    webrtcUrl = `${normalizeBaseUrl(baseUrl)}/api/sessions/${encodeURIComponent(sessionId)}/webrtc/`;
  }
  const grant: SessionGrant = { session_id: sessionId, token, transport, webrtc_url: webrtcUrl, livekit_url: livekitUrl };
  const expires = str(answer.expires_at);
  if (expires) grant.expires_at = expires;
  return grant;
}

/**
 * Start a session and return its grant (token and where to connect). Throws
 * `OriginNotAllowedError` (403), `AgentNotFoundError` (404), `RateLimitedError` (429, with
 * `retryAfter`), `NetworkError`.
 */
export async function createSession(options: SessionOptions & { mode?: "voice" | "text" }): Promise<SessionGrant> {
  const mode = options.mode ?? "voice";
  const body: SessionRequest = { agent: options.agent, mode };
  if (options.language) body.language = options.language;
  if (options.metadata) body.metadata = options.metadata;
  const req: Parameters<typeof requestJson>[2] = { method: "POST", body };
  if (options.fetch) req.fetch = options.fetch;
  if (options.signal) req.signal = options.signal;
  if (options.tokenUrl) {
    req.credentials = "same-origin";
    if (options.tokenHeaders) req.headers = options.tokenHeaders;
    const answer = await requestJson<TokenAnswer>(options.tokenUrl, "agent", req);
    return grantFromTokenAnswer(answer ?? {}, options.baseUrl, mode);
  }
  const url = `${normalizeBaseUrl(options.baseUrl)}/api/agents/agent-session/`;
  const grant = await requestJson<SessionGrant>(url, "agent", req);
  return grant;
}
