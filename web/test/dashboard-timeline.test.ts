// The Calls pages' pure logic: filters, offsets, latency bars, timeline assembly, live merging.
import { describe, expect, it } from "vitest";
import {
  type SessionDetail,
  type Turn,
  buildTimeline,
  checkFilters,
  filtersFromSearch,
  filtersToSearch,
  formatDuration,
  formatOffset,
  latencyBar,
  matchBreakdowns,
  mergeLive,
  parseLive,
  prettyJson,
  sessionDuration,
  sessionsQuery,
  timelineCounts,
} from "../src/dashboard/state/timeline";

const T0 = Date.parse("2026-03-10T12:00:00Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function turn(seq: number, role: string, text: string, startMs: number, extra: Partial<Turn> = {}): Turn {
  return { seq, role, text, started_at: at(startMs), ended_at: at(startMs + 1000), interrupted: false, latency_ms: null, ...extra };
}

function detail(extra: Partial<SessionDetail> = {}): SessionDetail {
  return {
    id: "sess_1", agent: "bot", language: "en", metadata: { plan: "pro" }, origin: "https://shop.example",
    transport: "webrtc", mode: "voice", status: "ended", created_at: at(-500), started_at: at(0),
    ended_at: at(30_000), end_reason: "client_disconnected",
    transcript: [
      turn(1, "agent", "Hello!", 0),
      turn(2, "user", "Book a table", 4000),
      turn(3, "agent", "Sure, for when?", 6000, { latency_ms: 900 }),
      turn(4, "user", "Tomorrow", 9000),
      turn(5, "agent", "Let me check", 11_000, { latency_ms: 1800, interrupted: true }),
    ],
    tool_calls: [{ name: "lookup", arguments: { day: "tomorrow" }, status: "ok", duration_ms: 250, result: { free: true }, error: null, created_at: at(12_250) }],
    events: [
      { kind: "form_shown", data: { form_id: "booking", mode: "voice", prefilled: ["day"] }, created_at: at(13_000) },
      { kind: "form_result", data: { form_id: "booking", status: "cancelled" }, created_at: at(20_000) },
      { kind: "error", data: { processor: "tts" }, created_at: at(21_000) },
    ],
    metrics: { turns: [{ latency_ms: 900, parts_ms: { vad: 200, stt: 100, llm: 400, tts: 200 } }, { latency_ms: 1800, parts_ms: { llm: 1500, tts: 300 } }] },
    ...extra,
  };
}

describe("filters", () => {
  it("round-trips through the page URL and validates dates", () => {
    const f = { agent: "bot", status: "ended", from: "2026-03-01", to: "2026-03-10" };
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
    expect(filtersToSearch({ agent: "", status: "", from: "", to: "" })).toBe("");
    expect(checkFilters(f)).toEqual({});
    expect(checkFilters({ ...f, from: "2026-02-30" })).toEqual({ from: "Enter a date like 2026-03-10." });
    expect(checkFilters({ ...f, from: "2026-03-11" })).toEqual({ to: "“To” is before “From”." });
  });

  it("sends local day bounds as UTC instants (until = the day after To)", () => {
    const q = new URLSearchParams(sessionsQuery({ agent: "bot", status: "active", from: "2026-03-01", to: "2026-03-10" }));
    expect(q.get("agent")).toBe("bot");
    expect(q.get("status")).toBe("active");
    expect(q.get("since")).toBe(new Date(2026, 2, 1).toISOString());
    expect(q.get("until")).toBe(new Date(2026, 2, 11).toISOString());
    expect(q.get("limit")).toBe("200");
    const none = new URLSearchParams(sessionsQuery({ agent: "", status: "live?", from: "", to: "" }));
    expect([...none.keys()]).toEqual(["limit"]);
  });
});

describe("formatting", () => {
  it("formats offsets and durations", () => {
    expect(formatOffset(0)).toBe("0:00");
    expect(formatOffset(65_400)).toBe("1:05");
    expect(formatOffset(3_725_000)).toBe("1:02:05");
    expect(formatOffset(-1500)).toBe("-0:01");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(1250)).toBe("1.3 s");
    expect(formatDuration(184_000)).toBe("3 min 4 s");
    expect(prettyJson({ a: "x".repeat(50) }, 20)).toMatch(/more characters\)$/);
  });

  it("measures a session, running ones up to now", () => {
    const d = detail();
    expect(sessionDuration(d, 0)).toBe(30_000);
    expect(sessionDuration({ ...d, status: "active", ended_at: null }, T0 + 5000)).toBe(5000);
    expect(sessionDuration({ ...d, started_at: null }, T0)).toBeNull();
  });
});

describe("latency bars", () => {
  it("splits a turn into its recorded parts, scaled to the slowest turn", () => {
    const bar = latencyBar(900, { vad: 200, stt: 100, llm: 400, tts: 200 }, 1800);
    expect(bar.breakdown).toBe(true);
    expect(bar.missing).toEqual([]);
    const r = (n: number): number => Math.round(n * 100) / 100;
    expect(bar.segments.map((s) => [s.label, s.ms, r(s.x), r(s.width)])).toEqual([
      ["VAD", 200, 0, 11.11],
      ["STT", 100, 11.11, 5.56],
      ["LLM", 400, 16.67, 22.22],
      ["TTS", 200, 38.89, 11.11],
    ]);
  });

  it("labels missing parts and the unattributed rest rather than inventing them", () => {
    const bar = latencyBar(1800, { llm: 1500, tts: 200, transport: 20 }, 1800);
    expect(bar.missing).toEqual(["vad", "stt"]);
    expect(bar.segments.map((s) => s.part)).toEqual(["llm", "tts", "transport", "unattributed"]);
    expect(bar.segments.at(-1)?.ms).toBe(80);
    const total = latencyBar(700, undefined, 700);
    expect(total.breakdown).toBe(false);
    expect(total.missing).toEqual(["vad", "stt", "llm", "tts"]);
    expect(total.segments).toEqual([{ part: "unattributed", label: "Unattributed", ms: 700, x: 0, width: 100 }]);
  });

  it("matches the recorded breakdowns to agent turns in order, on their totals", () => {
    const d = detail();
    const found = matchBreakdowns(d.transcript, d.metrics);
    expect(found.get(3)).toEqual({ vad: 200, stt: 100, llm: 400, tts: 200 });
    expect(found.get(5)).toEqual({ llm: 1500, tts: 300 });
    // A breakdown lost (metrics keep the last 200) is skipped, not shifted onto another turn.
    const missing = matchBreakdowns(d.transcript, { turns: [{ latency_ms: 1800, parts_ms: { llm: 1800 } }] });
    expect(missing.has(3)).toBe(false);
    expect(missing.get(5)).toEqual({ llm: 1800 });
    expect(matchBreakdowns(d.transcript, { turns: "nonsense" }).size).toBe(0);
  });
});

describe("timeline", () => {
  it("puts turns, tool calls, forms, events and the end in time order with offsets", () => {
    const items = buildTimeline(detail());
    expect(items.map((i) => [i.kind, i.offsetMs])).toEqual([
      ["turn", 0], ["turn", 4000], ["turn", 6000], ["turn", 9000], ["turn", 11_000],
      ["tool", 12_000], ["form", 13_000], ["form", 20_000], ["event", 21_000], ["end", 30_000],
    ]);
    const last = items[4];
    expect(last?.kind === "turn" && last.bargeIn).toBe(true);
    expect(last?.kind === "turn" && last.latency?.segments.map((s) => s.part)).toEqual(["llm", "tts"]);
    const first = items[0];
    expect(first?.kind === "turn" && first.latency).toBeNull();
    const forms = items.filter((i) => i.kind === "form").map((i) => (i.kind === "form" ? [i.action, i.formId] : []));
    expect(forms).toEqual([["shown", "booking"], ["cancelled", "booking"]]);
    const end = items.at(-1);
    expect(end?.kind === "end" && end.reason).toBe("client_disconnected");
    expect(timelineCounts(detail())).toEqual({ turns: 5, bargeIns: 1, tools: 1, toolErrors: 0, forms: 1 });
  });

  it("has no end item while live and measures from creation before the start", () => {
    const items = buildTimeline(detail({ status: "active", ended_at: null, end_reason: null, started_at: null }));
    expect(items.some((i) => i.kind === "end")).toBe(false);
    expect(items[0]?.offsetMs).toBe(500);
  });
});

describe("live events", () => {
  it("parses stream data and drops what does not fit", () => {
    expect(parseLive("turn", JSON.stringify(turn(6, "user", "Hi", 1)))?.type).toBe("turn");
    expect(parseLive("turn", "{not json")).toBeNull();
    expect(parseLive("turn", JSON.stringify({ seq: "1" }))).toBeNull();
    expect(parseLive("tool_call", JSON.stringify({ name: "x", arguments: [] }))).toBeNull();
    expect(parseLive("event", JSON.stringify({ kind: "form_shown", data: {} }))?.type).toBe("event");
    expect(parseLive("surprise", "{}")).toBeNull();
  });

  it("merges new items, ignores replays and follows the status", () => {
    const live = detail({ status: "active", ended_at: null, end_reason: null });
    const t6 = turn(6, "user", "And dessert?", 25_000);
    const one = mergeLive(live, { type: "turn", data: t6 });
    expect(one.transcript.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mergeLive(one, { type: "turn", data: { ...t6 } })).toBe(one);
    expect(mergeLive(one, { type: "turn", data: live.transcript[0]! })).toBe(one);
    expect(mergeLive(one, { type: "tool_call", data: { ...live.tool_calls[0]! } })).toBe(one);
    const call = { ...live.tool_calls[0]!, created_at: at(26_000), status: "error", error: "timeout" };
    expect(mergeLive(one, { type: "tool_call", data: call }).tool_calls).toHaveLength(2);
    expect(mergeLive(one, { type: "event", data: { ...live.events[0]! } })).toBe(one);
    const ended = mergeLive(one, { type: "end", data: { status: "ended", end_reason: "agent_ended" } });
    expect([ended.status, ended.end_reason]).toEqual(["ended", "agent_ended"]);
    const status = mergeLive(live, { type: "status", data: { status: "active", started_at: at(0), ended_at: null, end_reason: null } });
    expect(status).toBe(live);
    expect(mergeLive(live, { type: "end", data: { status: "deleted", end_reason: "deleted" } })).toBe(live);
  });
});
