// Form responses page: the filters as the API's query string, and the table's columns.
export interface ResponseFilters {
  formId: string;
  sessionId: string;
  /** yyyy-mm-dd, inclusive ("" = no bound). */
  since: string;
  /** yyyy-mm-dd, inclusive ("" = no bound); the API's `until` is exclusive, so the day after. */
  until: string;
}

export const NO_FILTERS: ResponseFilters = { formId: "", sessionId: "", since: "", until: "" };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The next calendar day of a yyyy-mm-dd date (UTC). */
export function nextDay(s: string): string {
  const d = new Date(`${s}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Field errors of the filters (keys `since`, `until`, `sessionId`); empty when they are usable. */
export function checkFilters(f: ResponseFilters): Record<string, string> {
  const errors: Record<string, string> = {};
  if (f.since && !validDate(f.since)) errors.since = "Enter a date as YYYY-MM-DD.";
  if (f.until && !validDate(f.until)) errors.until = "Enter a date as YYYY-MM-DD.";
  if (!errors.since && !errors.until && f.since && f.until && f.until < f.since) {
    errors.until = "The end date is before the start date.";
  }
  if (f.sessionId.trim().length > 40) errors.sessionId = "A session id has at most 40 characters.";
  return errors;
}

/** The query string of GET /api/agents/{slug}/form-responses/ for these filters ("" or "?…"). */
export function filterQuery(f: ResponseFilters, format: "json" | "csv" = "json"): string {
  const q = new URLSearchParams();
  if (f.formId) q.set("form_id", f.formId);
  const session = f.sessionId.trim();
  if (session) q.set("session_id", session);
  if (f.since) q.set("since", f.since);
  if (f.until) q.set("until", nextDay(f.until));
  if (format === "csv") q.set("format", "csv");
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Field names to show as columns, in first-seen order over the rows. */
export function valueColumns(rows: readonly { values: unknown }[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.values && typeof row.values === "object" && !Array.isArray(row.values)) {
      for (const key of Object.keys(row.values)) seen.add(key);
    }
  }
  return [...seen];
}

/** A cell's text: strings as they are, lists/objects as JSON, missing as "". */
export function cellText(values: unknown, key: string): string {
  if (!values || typeof values !== "object") return "";
  const v = (values as Record<string, unknown>)[key];
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** The file name of a Content-Disposition header, else a fallback. */
export function downloadName(disposition: string | null, fallback: string): string {
  const m = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return m?.[1] ?? fallback;
}
