// The Calls pages' pure logic: list filters <-> query strings, one session's timeline
// (turns, tool calls, form events, other events, the end) with time offsets, live items from
// the event stream merged into the cached detail, and per-turn latency bars.
import type { components } from "../../api/schema";

type S = components["schemas"];
export type SessionSummary = S["SessionSummary"];
export type SessionDetail = S["SessionDetail"];
export type Turn = S["TurnOut"];
export type ToolCall = S["ToolCallOut"];
export type SessionEvent = S["EventOut"];

export const STATUSES = ["created", "active", "ended", "failed"] as const;
export type Status = (typeof STATUSES)[number];

/** `created` (token issued, not connected yet) and `active` sessions are live. */
export function isLive(status: string): boolean {
  return status === "created" || status === "active";
}

// ---------------------------------------------------------------- list filters

export interface CallFilters {
  agent: string;
  status: string;
  /** Local dates, `YYYY-MM-DD` (an <input type="date"> value), or "". */
  from: string;
  to: string;
}

export const NO_FILTERS: CallFilters = { agent: "", status: "", from: "", to: "" };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Local midnight of a `YYYY-MM-DD` date (plus `days`), or null when it is not a real date. */
export function localMidnight(date: string, days = 0): Date | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(y, mo - 1, d + days);
  const back = new Date(y, mo - 1, d);
  if (back.getFullYear() !== y || back.getMonth() !== mo - 1 || back.getDate() !== d) return null;
  return at;
}

/** Field errors of the filters (`from`, `to`); empty when they can be sent. */
export function checkFilters(f: CallFilters): Partial<Record<"from" | "to", string>> {
  const out: Partial<Record<"from" | "to", string>> = {};
  if (f.from && !localMidnight(f.from)) out.from = "Enter a date like 2026-03-10.";
  if (f.to && !localMidnight(f.to)) out.to = "Enter a date like 2026-03-10.";
  if (!out.from && !out.to && f.from && f.to && f.to < f.from) out.to = "“To” is before “From”.";
  return out;
}

/** The filters as they appear in the page's own URL (`?agent=…&status=…&from=…&to=…`). */
export function filtersToSearch(f: CallFilters): string {
  const q = new URLSearchParams();
  for (const key of ["agent", "status", "from", "to"] as const) if (f[key]) q.set(key, f[key]);
  return q.toString();
}

export function filtersFromSearch(search: string): CallFilters {
  const q = new URLSearchParams(search);
  return { agent: q.get("agent") ?? "", status: q.get("status") ?? "", from: q.get("from") ?? "", to: q.get("to") ?? "" };
}

/** The `GET /api/sessions/` query of valid filters: dates become the local day's bounds
 * (`since` = "From" at 00:00, `until` = the day after "To" at 00:00, both in UTC ISO). */
export function sessionsQuery(f: CallFilters, limit = 200): string {
  const q = new URLSearchParams();
  if (f.agent) q.set("agent", f.agent);
  if ((STATUSES as readonly string[]).includes(f.status)) q.set("status", f.status);
  const since = f.from ? localMidnight(f.from) : null;
  const until = f.to ? localMidnight(f.to, 1) : null;
  if (since) q.set("since", since.toISOString());
  if (until) q.set("until", until.toISOString());
  q.set("limit", String(limit));
  return `?${q.toString()}`;
}

// ---------------------------------------------------------------- durations, offsets

/** `m:ss` (or `h:mm:ss`) of a non-negative offset; `-m:ss` before the start. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${sign}${h}:${String(m).padStart(2, "0")}:${s}` : `${sign}${m}:${s}`;
}

/** "850 ms", "1.2 s", "3 min 4 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A session's length: start (or creation) to end, or to `now` while it runs. */
export function sessionDuration(s: Pick<SessionSummary, "created_at" | "started_at" | "ended_at" | "status">, now: number): number | null {
  const start = Date.parse(s.started_at ?? "");
  if (Number.isNaN(start)) return null;
  const end = s.ended_at ? Date.parse(s.ended_at) : isLive(s.status) ? now : NaN;
  return Number.isNaN(end) ? null : Math.max(0, end - start);
}

// ---------------------------------------------------------------- latency bars

/** The parts a turn's latency is split into (src/oshara/voice/recording.py PART_OF_KEY). */
export const MAIN_PARTS = ["vad", "stt", "llm", "tts"] as const;
const PART_LABELS: Record<string, string> = {
  vad: "VAD",
  stt: "STT",
  turn: "Turn detection",
  llm: "LLM",
  sentence: "Sentence",
  tts: "TTS",
  transport: "Transport",
  other: "Other",
  unattributed: "Unattributed",
};
const PART_ORDER = ["vad", "stt", "turn", "llm", "sentence", "tts", "transport", "other", "unattributed"];

export function partLabel(part: string): string {
  return PART_LABELS[part] ?? part;
}

export interface Segment {
  part: string;
  label: string;
  ms: number;
  /** Start and width in percent of the session's scale (the slowest turn = 100). */
  x: number;
  width: number;
}

export interface LatencyBar {
  totalMs: number;
  segments: Segment[];
  /** VAD / STT / LLM / TTS parts with no recorded value (text mode has no VAD, STT, TTS). */
  missing: string[];
  /** Whether a breakdown was recorded at all (voice calls); text turns have a total only. */
  breakdown: boolean;
}

interface MetricTurn {
  latency_ms: number;
  parts_ms: Record<string, number>;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** `metrics.turns` entries that have a usable shape. */
export function metricTurns(metrics: Record<string, unknown>): MetricTurn[] {
  const raw = metrics["turns"];
  if (!Array.isArray(raw)) return [];
  const out: MetricTurn[] = [];
  for (const item of raw as unknown[]) {
    if (!item || typeof item !== "object") continue;
    const rec = item as Record<string, unknown>;
    const latency = num(rec["latency_ms"]);
    if (latency === null) continue;
    const parts: Record<string, number> = {};
    const rawParts = rec["parts_ms"];
    if (rawParts && typeof rawParts === "object") {
      for (const [k, v] of Object.entries(rawParts as Record<string, unknown>)) {
        const n = num(v);
        if (n !== null && n >= 0) parts[k] = n;
      }
    }
    out.push({ latency_ms: latency, parts_ms: parts });
  }
  return out;
}

/** The breakdown of each agent turn with a latency, by `seq`: the recorder stores the
 * breakdowns (`metrics.turns`, in order, the last 200) apart from the turns, so they are
 * matched in order on the total (within 1 ms or 1 %); a turn with no match has none. */
export function matchBreakdowns(turns: readonly Turn[], metrics: Record<string, unknown>): Map<number, Record<string, number>> {
  const found = new Map<number, Record<string, number>>();
  const list = metricTurns(metrics);
  let cursor = 0;
  for (const t of turns) {
    if (t.role === "user" || t.latency_ms == null) continue;
    const latency = t.latency_ms;
    const close = (m: MetricTurn): boolean => Math.abs(m.latency_ms - latency) <= Math.max(1, latency * 0.01);
    const at = list.findIndex((m, i) => i >= cursor && close(m));
    if (at < 0) continue;
    found.set(t.seq, list[at]!.parts_ms);
    cursor = at + 1;
  }
  return found;
}

export function latencyBar(totalMs: number, parts: Record<string, number> | undefined, scaleMs: number): LatencyBar {
  const scale = Math.max(scaleMs, totalMs, 1);
  const segments: Segment[] = [];
  let x = 0;
  const add = (part: string, ms: number): void => {
    if (ms <= 0) return;
    const width = (ms / scale) * 100;
    segments.push({ part, label: partLabel(part), ms, x, width });
    x += width;
  };
  if (!parts || Object.keys(parts).length === 0) {
    add("unattributed", totalMs);
    return { totalMs, segments, missing: [...MAIN_PARTS], breakdown: false };
  }
  const keys = Object.keys(parts).sort((a, b) => {
    const ia = PART_ORDER.indexOf(a), ib = PART_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  let sum = 0;
  for (const k of keys) {
    add(k, parts[k]!);
    sum += parts[k]!;
  }
  if (totalMs - sum > 0.5) add("unattributed", totalMs - sum);
  const missing = MAIN_PARTS.filter((p) => !(parts[p]! > 0));
  return { totalMs, segments, missing, breakdown: true };
}

// ---------------------------------------------------------------- timeline

export type FormAction = "shown" | "submitted" | "cancelled" | "timeout" | "error" | string;

export type TimelineItem =
  | { kind: "turn"; key: string; at: number; offsetMs: number; turn: Turn; bargeIn: boolean; latency: LatencyBar | null }
  | { kind: "tool"; key: string; at: number; offsetMs: number; call: ToolCall }
  | { kind: "form"; key: string; at: number; offsetMs: number; action: FormAction; formId: string; event: SessionEvent }
  | { kind: "event"; key: string; at: number; offsetMs: number; event: SessionEvent }
  | { kind: "end"; key: string; at: number; offsetMs: number; status: string; reason: string | null };

function time(iso: string | null | undefined): number {
  const t = Date.parse(iso ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** The form a `form_shown` / `form_result` / `form_submitted` event is about, and what happened. */
export function formEvent(e: SessionEvent): { action: FormAction; formId: string } | null {
  const formId = typeof e.data["form_id"] === "string" ? e.data["form_id"] : "";
  if (e.kind === "form_shown") return { action: "shown", formId };
  if (e.kind === "form_submitted") return { action: "submitted", formId };
  if (e.kind === "form_result") {
    const status = e.data["status"];
    return { action: typeof status === "string" && status ? status : "unknown", formId };
  }
  return null;
}

const KIND_ORDER: Record<TimelineItem["kind"], number> = { turn: 0, tool: 1, form: 2, event: 3, end: 4 };

/** Everything that happened in a session, in time order, with offsets from its start. */
export function buildTimeline(d: SessionDetail): TimelineItem[] {
  const origin = time(d.started_at) || time(d.created_at);
  const breakdowns = matchBreakdowns(d.transcript, d.metrics);
  const scale = Math.max(0, ...d.transcript.map((t) => t.latency_ms ?? 0));
  const items: TimelineItem[] = [];
  for (const turn of d.transcript) {
    const at = time(turn.started_at);
    const latency = turn.latency_ms != null && turn.role !== "user" ? latencyBar(turn.latency_ms, breakdowns.get(turn.seq), scale) : null;
    items.push({ kind: "turn", key: `turn-${turn.seq}`, at, offsetMs: at - origin, turn, bargeIn: turn.interrupted && turn.role !== "user", latency });
  }
  d.tool_calls.forEach((call, i) => {
    // Recorded when the call finished: it started `duration_ms` earlier.
    const at = time(call.created_at) - (call.duration_ms ?? 0);
    items.push({ kind: "tool", key: `tool-${i}-${call.created_at}`, at, offsetMs: at - origin, call });
  });
  d.events.forEach((event, i) => {
    const at = time(event.created_at);
    const key = `event-${i}-${event.created_at}`;
    const form = formEvent(event);
    if (form) items.push({ kind: "form", key, at, offsetMs: at - origin, event, ...form });
    else items.push({ kind: "event", key, at, offsetMs: at - origin, event });
  });
  if (!isLive(d.status)) {
    const at = time(d.ended_at) || Math.max(origin, ...items.map((i) => i.at));
    items.push({ kind: "end", key: "end", at, offsetMs: at - origin, status: d.status, reason: d.end_reason });
  }
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => a.item.at - b.item.at || KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || a.i - b.i)
    .map(({ item }) => item);
}

/** Counts for the session's header: turns, barge-ins, tool calls (failed), forms. */
export function timelineCounts(d: SessionDetail): { turns: number; bargeIns: number; tools: number; toolErrors: number; forms: number } {
  return {
    turns: d.transcript.length,
    bargeIns: d.transcript.filter((t) => t.interrupted && t.role !== "user").length,
    tools: d.tool_calls.length,
    toolErrors: d.tool_calls.filter((c) => c.status !== "ok").length,
    forms: d.events.filter((e) => e.kind === "form_shown").length,
  };
}

// ---------------------------------------------------------------- live events

export interface StatusData {
  status: string;
  started_at?: string | null;
  ended_at?: string | null;
  end_reason: string | null;
}

export type LiveMessage =
  | { type: "status"; data: StatusData }
  | { type: "end"; data: StatusData }
  | { type: "turn"; data: Turn }
  | { type: "tool_call"; data: ToolCall }
  | { type: "event"; data: SessionEvent };

export const LIVE_TYPES = ["status", "turn", "tool_call", "event", "end"] as const;

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** One Server-Sent Event's JSON, checked enough to merge safely; null when it does not fit. */
export function parseLive(type: string, raw: string): LiveMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObj(data)) return null;
  switch (type) {
    case "status":
    case "end":
      return typeof data["status"] === "string" ? ({ type, data: data as unknown as StatusData }) : null;
    case "turn":
      return typeof data["seq"] === "number" && typeof data["role"] === "string" && typeof data["text"] === "string"
        ? { type, data: data as unknown as Turn }
        : null;
    case "tool_call":
      return typeof data["name"] === "string" && isObj(data["arguments"]) ? { type, data: data as unknown as ToolCall } : null;
    case "event":
      return typeof data["kind"] === "string" && isObj(data["data"]) ? { type, data: data as unknown as SessionEvent } : null;
    default:
      return null;
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The detail with one live item merged in (a reconnect replays every item: duplicates are
 * dropped). Returns `d` itself when nothing changed. */
export function mergeLive(d: SessionDetail, msg: LiveMessage): SessionDetail {
  switch (msg.type) {
    case "status":
    case "end": {
      const next: SessionDetail = { ...d, status: msg.data.status, end_reason: msg.data.end_reason ?? d.end_reason };
      if (msg.data.started_at !== undefined) next.started_at = msg.data.started_at ?? d.started_at;
      if (msg.data.ended_at !== undefined) next.ended_at = msg.data.ended_at ?? d.ended_at;
      if (msg.type === "end" && msg.data.status === "deleted") return d;
      return next.status === d.status && next.end_reason === d.end_reason && next.started_at === d.started_at && next.ended_at === d.ended_at ? d : next;
    }
    case "turn": {
      const i = d.transcript.findIndex((t) => t.seq === msg.data.seq);
      if (i >= 0 && same(d.transcript[i], msg.data)) return d;
      const transcript = i >= 0 ? d.transcript.map((t, j) => (j === i ? msg.data : t)) : [...d.transcript, msg.data].sort((a, b) => a.seq - b.seq);
      return { ...d, transcript };
    }
    case "tool_call":
      return d.tool_calls.some((c) => same(c, msg.data)) ? d : { ...d, tool_calls: [...d.tool_calls, msg.data] };
    case "event":
      return d.events.some((e) => same(e, msg.data)) ? d : { ...d, events: [...d.events, msg.data] };
  }
}

/** JSON for display: pretty, and cut at `max` characters. */
export function prettyJson(value: unknown, max = 4000): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? "null";
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}
