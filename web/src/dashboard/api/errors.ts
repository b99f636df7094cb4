// Errors of the dashboard's API layer. The server answers `{detail, errors?: [{field, message}]}`
// (docs/api.md): `errors` go on their fields, `detail` goes in a banner.
import type { components } from "../../api/schema";

export type FieldErrorItem = components["schemas"]["FieldErrorItem"];

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly errors: FieldErrorItem[];
  constructor(status: number, detail: string, errors: FieldErrorItem[] = []) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

/** The session ended (expired, revoked, signed out elsewhere): sign in again. */
export class SessionExpiredError extends ApiError {
  constructor(detail = "Your session has ended. Sign in again to continue.") {
    super(401, detail);
    this.name = "SessionExpiredError";
  }
}

/** The server could not be reached at all. */
export class NetworkError extends ApiError {
  constructor(detail = "Cannot reach the Oshara server. Check your connection and try again.") {
    super(0, detail);
    this.name = "NetworkError";
  }
}

/** Read an error body the server sent (JSON `{detail, errors}` or anything else). */
export function errorFromBody(status: number, body: unknown): ApiError {
  let detail = `The server answered HTTP ${status}`;
  let errors: FieldErrorItem[] = [];
  if (body && typeof body === "object") {
    const b = body as { detail?: unknown; errors?: unknown };
    if (typeof b.detail === "string" && b.detail) detail = b.detail;
    if (Array.isArray(b.errors)) {
      errors = b.errors.filter(
        (e): e is FieldErrorItem =>
          !!e && typeof e === "object" && typeof (e as FieldErrorItem).field === "string" &&
          typeof (e as FieldErrorItem).message === "string",
      );
    }
  }
  return new ApiError(status, detail, errors);
}

export interface MappedErrors {
  /** Form field key → message, for the fields the form has. */
  fields: Record<string, string>;
  /** Errors that belong to no field of the form (shown in the banner). */
  rest: string[];
}

/**
 * Put the API's field errors on the form's fields. A field path is matched to the longest
 * form key it starts with: `allowed_origins[1]` → `allowed_origins` ("line 2: …"),
 * `limits.max_session_seconds` → that key, `tools[0].config.url` → `tools` if the form has it.
 */
export function mapFieldErrors(errors: readonly FieldErrorItem[], formKeys: readonly string[]): MappedErrors {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  const keys = [...formKeys].sort((a, b) => b.length - a.length);
  for (const { field, message } of errors) {
    const key = keys.find((k) => field === k || field.startsWith(k + ".") || field.startsWith(k + "["));
    if (key === undefined) {
      rest.push(field ? `${field}: ${message}` : message);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(field.slice(key.length));
    const text = index ? `Line ${Number(index[1]) + 1}: ${message}` : message;
    fields[key] = fields[key] ? `${fields[key]} ${text}` : text;
  }
  return { fields, rest };
}
