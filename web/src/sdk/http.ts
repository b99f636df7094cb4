/** One place that turns HTTP answers into typed errors. */

import type { components } from "../api/schema";
import {
  AgentNotFoundError,
  FormValidationError,
  HttpError,
  NetworkError,
  type OsharaError,
  OriginNotAllowedError,
  RateLimitedError,
} from "./errors";

/**
 * What the request was about; decides how 403/404 read. `agent` requests (appearance,
 * session start, managed form storage) turn 403/404 into the origin/agent errors.
 */
export type RequestContext = "agent" | "session" | "external";

/** `https://x.example/` → `https://x.example`; refuses anything that is not http(s). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl ${JSON.stringify(baseUrl)} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`baseUrl must be http(s), got ${url.protocol}`);
  }
  return url.href.replace(/\/+$/, "");
}

/** The `{agent}` part of a path: percent-encoded so a slug can never change the path. */
export function agentPath(slug: string): string {
  if (typeof slug !== "string" || slug === "") throw new TypeError("agent slug must be a non-empty string");
  return encodeURIComponent(slug);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Error bodies as the server's schema names their keys, each checked before use. */
type Unchecked<T> = { [K in keyof T]?: unknown };
type ErrorAnswer = Unchecked<components["schemas"]["ErrorBody"]>;
type RateLimitedAnswer = Unchecked<components["schemas"]["RateLimitedBody"]>;
/** A managed submission's 400 body (`{detail, errors?, field_errors?}`). */
type FormInvalidAnswer = Unchecked<components["schemas"]["FormInvalidBody"]>;

function detailOf(body: unknown): string | undefined {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as ErrorAnswer).detail;
    if (typeof detail === "string") return detail;
  }
  if (typeof body === "string" && body.length > 0 && body.length < 300) return body;
  return undefined;
}

function retryAfterOf(res: Response, body: unknown): number | undefined {
  const header = res.headers.get("Retry-After");
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  if (body && typeof body === "object" && "retry_after" in body) {
    const value = (body as RateLimitedAnswer).retry_after;
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** Per-field messages from a 400 body: our `field_errors`, or an owner's similar map. */
export function fieldErrorsOf(body: unknown): Record<string, string> | undefined {
  if (!body || typeof body !== "object") return undefined;
  const candidate = (body as FormInvalidAnswer).field_errors;
  if (!candidate || typeof candidate !== "object" || Array.isArray(candidate)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(candidate as Record<string, unknown>)) {
    if (typeof value === "string") out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Build the typed error for a non-2xx response (consumes the body). */
export async function errorFromResponse(res: Response, context: RequestContext): Promise<OsharaError> {
  const body = await readBody(res);
  const detail = detailOf(body);
  const status = res.status;
  if (status === 429) {
    return new RateLimitedError(detail ?? "Too many requests", retryAfterOf(res, body));
  }
  if (context === "agent" && status === 403) {
    return new OriginNotAllowedError(detail ?? "This website is not allowed to use this agent");
  }
  if (context === "agent" && status === 404) {
    return new AgentNotFoundError(detail ?? "Agent not found");
  }
  if (status === 400 || status === 422) {
    const fieldErrors = fieldErrorsOf(body);
    if (fieldErrors) return new FormValidationError(detail ?? "Some fields are invalid", fieldErrors, status);
  }
  return new HttpError(detail ?? `Request failed with HTTP ${status}`, status, body);
}

export interface JsonRequest {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
}

/** `fetch` a JSON endpoint; non-2xx becomes a typed error, no answer a {@link NetworkError}. */
export async function requestJson<T>(url: string, context: RequestContext, req: JsonRequest = {}): Promise<T> {
  const doFetch = req.fetch ?? globalThis.fetch.bind(globalThis);
  const headers: Record<string, string> = { Accept: "application/json", ...req.headers };
  const init: RequestInit = { method: req.method ?? "GET", headers };
  if (req.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(req.body);
  }
  if (req.signal) init.signal = req.signal;
  if (req.credentials) init.credentials = req.credentials;
  let res: Response;
  try {
    res = await doFetch(url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    let where = url;
    try {
      where = new URL(url).origin;
    } catch {
      /* keep the raw url */
    }
    throw new NetworkError(`Could not reach ${where}`, { cause: err });
  }
  if (!res.ok) throw await errorFromResponse(res, context);
  const body = await readBody(res);
  return body as T;
}
