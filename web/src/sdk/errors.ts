/**
 * Typed errors. Every error the SDK throws is an {@link OsharaError} with a stable `code`,
 * so a UI can branch on `err.code` (or `instanceof`) and show its own message.
 */

export type ErrorCode =
  | "origin_not_allowed"
  | "agent_not_found"
  | "rate_limited"
  | "microphone_denied"
  | "microphone_unavailable"
  | "connection_failed"
  | "connection_lost"
  | "form_invalid"
  | "submission_failed"
  | "unsupported_transport"
  | "network_error"
  | "http_error";

export class OsharaError extends Error {
  readonly code: ErrorCode;
  /** HTTP status, when the error comes from a response. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    // Set explicitly in every class: minification renames classes.
    this.name = "OsharaError";
    this.code = code;
    this.status = status;
  }
}

/** 403: the page's origin is not in the character's `allowed_origins`. */
export class OriginNotAllowedError extends OsharaError {
  constructor(message: string) {
    super("origin_not_allowed", message, 403);
    this.name = "OriginNotAllowedError";
  }
}

/** 404: no character with this slug. */
export class AgentNotFoundError extends OsharaError {
  constructor(message: string) {
    super("agent_not_found", message, 404);
    this.name = "AgentNotFoundError";
  }
}

/** 429: the character's session limits are reached. `retryAfter` is in seconds. */
export class RateLimitedError extends OsharaError {
  readonly retryAfter: number | undefined;
  constructor(message: string, retryAfter: number | undefined) {
    super("rate_limited", message, 429);
    this.name = "RateLimitedError";
    this.retryAfter = retryAfter;
  }
}

/** The visitor (or the browser's policy) refused microphone access. */
export class MicrophoneDeniedError extends OsharaError {
  constructor(message = "Microphone access was denied", options?: { cause?: unknown }) {
    super("microphone_denied", message, undefined, options);
    this.name = "MicrophoneDeniedError";
  }
}

/** No microphone, or no media API (e.g. a page not served over HTTPS). */
export class MicrophoneUnavailableError extends OsharaError {
  constructor(message = "No microphone is available", options?: { cause?: unknown }) {
    super("microphone_unavailable", message, undefined, options);
    this.name = "MicrophoneUnavailableError";
  }
}

/** The call could not be established (signaling refused or failed). */
export class ConnectionFailedError extends OsharaError {
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super("connection_failed", message, status, options);
    this.name = "ConnectionFailedError";
  }
}

/** An established call dropped without either side ending it. */
export class ConnectionLostError extends OsharaError {
  constructor(message = "The connection to the agent was lost") {
    super("connection_lost", message);
    this.name = "ConnectionLostError";
  }
}

/** 400 from the form endpoint: per-field messages (server-side validation). */
export class FormValidationError extends OsharaError {
  readonly fieldErrors: Record<string, string>;
  constructor(message: string, fieldErrors: Record<string, string>, status = 400) {
    super("form_invalid", message, status);
    this.name = "FormValidationError";
    this.fieldErrors = fieldErrors;
  }
}

/** The owner's `submit_url` (or our endpoint) refused the submission or was unreachable. */
export class SubmissionFailedError extends OsharaError {
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super("submission_failed", message, status, options);
    this.name = "SubmissionFailedError";
  }
}

/** The session uses a transport this build cannot speak (e.g. LiveKit). */
export class UnsupportedTransportError extends OsharaError {
  constructor(message: string) {
    super("unsupported_transport", message);
    this.name = "UnsupportedTransportError";
  }
}

/** The request never got an answer (offline, DNS, CORS refusal). */
export class NetworkError extends OsharaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("network_error", message, undefined, options);
    this.name = "NetworkError";
  }
}

/** Any other non-2xx answer. */
export class HttpError extends OsharaError {
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown) {
    super("http_error", message, status);
    this.name = "HttpError";
    this.body = body;
  }
}
