import { useQuery, useQueryClient } from "@tanstack/preact-query";
import { useEffect, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { CallDetail } from "../api/client";
import { ApiError, SessionExpiredError } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { useServices } from "../context";
import {
  LIVE_TYPES,
  type LatencyBar,
  type LiveMessage,
  type TimelineItem,
  buildTimeline,
  formatDuration,
  formatOffset,
  isLive,
  mergeLive,
  parseLive,
  partLabel,
  prettyJson,
  sessionDuration,
  timelineCounts,
} from "../state/timeline";
import { StatusBadge, when } from "./calls";

type LiveState = "off" | "connecting" | "live" | "reconnecting" | "failed";

/** While the session is live: its event stream (a ticket, then EventSource), merged into the
 * cached detail. Reconnects with a new ticket when the stream closes before the end. */
function useLiveSession(id: string, live: boolean): LiveState {
  const { api } = useServices();
  const queries = useQueryClient();
  const [state, setState] = useState<LiveState>("off");
  useEffect(() => {
    if (!live || typeof EventSource === "undefined") {
      setState("off");
      return;
    }
    let source: EventSource | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let metricsTimer: ReturnType<typeof setTimeout> | undefined;
    const refetch = (): void => void queries.invalidateQueries({ queryKey: ["session", id] });
    const apply = (msg: LiveMessage): void => {
      queries.setQueryData<CallDetail>(["session", id], (d) => (d ? mergeLive(d, msg) : d));
      if (msg.type === "status" || msg.type === "end") void queries.invalidateQueries({ queryKey: ["sessions"] });
      // Latency breakdowns are session metrics, not stream items: re-read the detail shortly
      // after an agent turn with a latency, and once the call is over.
      if (msg.type === "turn" && msg.data.role !== "user" && msg.data.latency_ms != null && metricsTimer === undefined) {
        metricsTimer = setTimeout(() => {
          metricsTimer = undefined;
          refetch();
        }, 1500);
      }
      if (msg.type === "end") {
        stopped = true;
        source?.close();
        setState("off");
        refetch();
      }
    };
    const retry = (): void => {
      if (stopped) return;
      failures += 1;
      setState("reconnecting");
      timer = setTimeout(() => void open(), Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
    };
    const open = async (): Promise<void> => {
      let url: string;
      try {
        url = await api.sessionEventsUrl(id);
      } catch (err) {
        if (err instanceof SessionExpiredError || (err instanceof ApiError && err.status >= 400 && err.status < 500)) {
          setState("failed");
          return;
        }
        retry();
        return;
      }
      if (stopped) return;
      const es = new EventSource(url);
      source = es;
      es.onopen = () => {
        failures = 0;
        setState("live");
      };
      for (const type of LIVE_TYPES) {
        es.addEventListener(type, (e: MessageEvent<string>) => {
          const msg = parseLive(type, e.data);
          if (msg) apply(msg);
        });
      }
      es.onerror = () => {
        if (stopped) return;
        if (es.readyState === EventSource.CLOSED) {
          source = null;
          retry(); // e.g. the ticket expired: ask for a new one
        } else setState("reconnecting");
      };
    };
    setState("connecting");
    void open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(metricsTimer);
      source?.close();
    };
  }, [id, live]);
  return state;
}

const LIVE_TEXT: Record<LiveState, string> = {
  off: "",
  connecting: "Connecting to the live call…",
  live: "Live: new turns appear as they happen.",
  reconnecting: "Live updates interrupted, reconnecting…",
  failed: "Live updates are not available; reload the page to see new turns.",
};

function Bar({ bar, seq }: { bar: LatencyBar; seq: number }) {
  const summary = bar.segments.map((s) => `${s.label} ${formatDuration(s.ms)}`).join(", ");
  const missing = bar.missing.map(partLabel).join(", ");
  return (
    <div class="latency">
      <span class="latency-total">Latency {formatDuration(bar.totalMs)}</span>
      <svg class="latency-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={`Latency of turn ${seq}: ${summary}`}>
        <rect class="seg-track" x="0" y="0" width="100" height="10" />
        {bar.segments.map((s) => (
          <rect key={s.part} class={`seg seg-${s.part}`} x={s.x} y="0" width={Math.max(s.width, 0.3)} height="10">
            <title>{`${s.label} ${formatDuration(s.ms)}`}</title>
          </rect>
        ))}
      </svg>
      <span class="latency-parts">
        {bar.breakdown
          ? bar.segments.map((s) => (
              <span key={s.part} class="part"><span class={`swatch seg-${s.part}`} aria-hidden="true" />{s.label} {formatDuration(s.ms)}</span>
            ))
          : null}
        {missing ? <span class="part missing">{bar.breakdown ? `Not recorded: ${missing}` : `No breakdown recorded (${missing} not measured)`}</span> : null}
      </span>
    </div>
  );
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div class="json">
      <span class="json-label">{label}</span>
      <pre tabIndex={0} aria-label={label}><code>{prettyJson(value)}</code></pre>
    </div>
  );
}

const FORM_TEXT: Record<string, string> = { shown: "shown", submitted: "submitted", cancelled: "cancelled", timeout: "timed out", error: "failed" };

function Item({ item }: { item: TimelineItem }) {
  const offset = <time class="offset" title={new Date(item.at).toLocaleString()}>{formatOffset(item.offsetMs)}</time>;
  switch (item.kind) {
    case "turn": {
      const t = item.turn;
      const who = t.role === "user" ? "Visitor" : "Agent";
      return (
        <li class={`tl-item tl-turn role-${t.role === "user" ? "user" : "agent"}`}>
          {offset}
          <div class="tl-body">
            <p class="tl-head">
              <strong>{who}</strong>
              {item.bargeIn ? <span class="badge warn">Interrupted (barge-in)</span> : null}
              {t.ended_at ? <span class="meta">spoke {formatDuration(Math.max(0, Date.parse(t.ended_at) - Date.parse(t.started_at)))}</span> : null}
            </p>
            <p class="tl-text">{t.text || <em>(nothing said)</em>}</p>
            {item.latency ? <Bar bar={item.latency} seq={t.seq} /> : null}
          </div>
        </li>
      );
    }
    case "tool": {
      const c = item.call;
      return (
        <li class="tl-item tl-tool">
          {offset}
          <div class="tl-body">
            <p class="tl-head">
              <strong>Tool call: <code>{c.name}</code></strong>
              <span class={c.status === "ok" ? "badge ok" : "badge err"}>{c.status}</span>
              <span class="meta">{c.duration_ms == null ? "duration not recorded" : `took ${formatDuration(c.duration_ms)}`}</span>
            </p>
            <Json label="Arguments" value={c.arguments} />
            {c.error ? <p class="tool-error">Error: {c.error}</p> : null}
            {c.result !== null && c.result !== undefined ? (
              <details>
                <summary>Result</summary>
                <pre tabIndex={0}><code>{prettyJson(c.result)}</code></pre>
              </details>
            ) : null}
          </div>
        </li>
      );
    }
    case "form": {
      const { prefilled, source, response_id, form_response_id, mode } = item.event.data as Record<string, unknown>;
      const extra = [
        mode ? `as ${String(mode)}` : "",
        Array.isArray(prefilled) && prefilled.length ? `prefilled: ${prefilled.join(", ")}` : "",
        source ? `from ${String(source)}` : "",
        response_id || form_response_id ? `response ${String(response_id ?? form_response_id)}` : "",
      ].filter(Boolean);
      return (
        <li class={`tl-item tl-form form-${item.action}`}>
          {offset}
          <div class="tl-body">
            <p class="tl-head">
              <strong>Form <code>{item.formId || "?"}</code> {FORM_TEXT[item.action] ?? item.action}</strong>
            </p>
            {extra.length ? <p class="meta">{extra.join(" · ")}</p> : null}
          </div>
        </li>
      );
    }
    case "event": {
      const e = item.event;
      const data = Object.keys(e.data).length ? prettyJson(e.data, 600) : "";
      return (
        <li class={`tl-item tl-event${e.kind === "error" ? " tl-error" : ""}`}>
          {offset}
          <div class="tl-body">
            <p class="tl-head"><strong>Event: {e.kind.replace(/_/g, " ")}</strong></p>
            {data ? <pre class="event-data"><code>{data}</code></pre> : null}
          </div>
        </li>
      );
    }
    case "end":
      return (
        <li class="tl-item tl-end">
          {offset}
          <div class="tl-body">
            <p class="tl-head"><strong>{`Call ${item.status === "failed" ? "failed" : "ended"}${item.reason ? `: ${item.reason}` : ""}`}</strong></p>
          </div>
        </li>
      );
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function metricNumber(metrics: Record<string, unknown>, key: string, field: string): number | null {
  const m = metrics[key];
  if (!m || typeof m !== "object") return null;
  const v = (m as Record<string, unknown>)[field];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The time, once a second while `ticking` (a live call's running duration). */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return ticking ? now : Date.now();
}

/** Median time to first byte per service (`metrics.ttfb_ms`: {llm: {p50, …}, tts: …}). */
function ttfbText(metrics: Record<string, unknown>): string {
  const raw = metrics["ttfb_ms"];
  if (!raw || typeof raw !== "object") return "";
  return Object.keys(raw as Record<string, unknown>)
    .map((role) => [role, metricNumber(raw as Record<string, unknown>, role, "p50")] as const)
    .filter((pair): pair is readonly [string, number] => pair[1] !== null)
    .map(([role, ms]) => `${partLabel(role)} ${formatDuration(ms)}`)
    .join(" · ");
}

export function CallPage({ id }: { id: string }) {
  const { api } = useServices();
  const detail = useQuery({ queryKey: ["session", id], queryFn: () => api.getSession(id) });
  const d = detail.data;
  const running = !!d && isLive(d.status);
  const live = useLiveSession(id, running);
  const now = useNow(running);
  useEffect(() => {
    if (d) document.title = `Call with ${d.agent} · Oshara`;
  }, [d?.agent]);

  if (detail.isPending) return <p role="status">Loading the call…</p>;
  if (detail.isError || !d) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <>
        <p class="crumbs"><Link href="/calls">Calls</Link></p>
        <h1>{missing ? "Call not found" : "Call"}</h1>
        <Banner>{missing ? "This call does not exist or belongs to another organization." : errorText(detail.error)}</Banner>
      </>
    );
  }
  const items = buildTimeline(d);
  const counts = timelineCounts(d);
  const duration = sessionDuration(d, now);
  const greeting = typeof d.metrics["greeting_latency_ms"] === "number" ? d.metrics["greeting_latency_ms"] : null;
  const ttfb = ttfbText(d.metrics);
  const measured = (metricNumber(d.metrics, "latency_ms", "count") ?? 0) > 0;
  const median = measured ? metricNumber(d.metrics, "latency_ms", "p50") : null;
  const p95 = measured ? metricNumber(d.metrics, "latency_ms", "p95") : null;
  return (
    <>
      <p class="crumbs"><Link href="/calls">Calls</Link> / {d.id}</p>
      <div class="page-head">
        <h1>Call with {d.agent}</h1>
        <StatusBadge status={d.status} />
      </div>
      {live !== "off" ? <Banner kind={live === "failed" ? "error" : "info"}>{LIVE_TEXT[live]}</Banner> : null}
      <div class="columns call-columns">
        <section class="card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <p class="hint" aria-live={running ? "polite" : undefined}>
            {plural(counts.turns, "turn")} · {plural(counts.bargeIns, "barge-in")} · {plural(counts.tools, "tool call")}{counts.toolErrors ? ` (${counts.toolErrors} not ok)` : ""} · {plural(counts.forms, "form")} shown. Times are offsets from the start of the call.
          </p>
          {items.length ? (
            <ol class="timeline" aria-label="Timeline">
              {items.map((item) => <Item key={item.key} item={item} />)}
            </ol>
          ) : (
            <p class="empty">{isLive(d.status) ? "Nothing said yet; turns appear here as they happen." : "Nothing was recorded in this call."}</p>
          )}
        </section>
        <section class="card" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl class="facts">
            <dt>Agent</dt><dd><Link href={`/agents/${encodeURIComponent(d.agent)}`}>{d.agent}</Link></dd>
            <dt>Status</dt><dd>{d.status}</dd>
            <dt>End reason</dt><dd>{d.end_reason ?? (isLive(d.status) ? "still running" : "—")}</dd>
            <dt>Created</dt><dd>{when(d.created_at)}</dd>
            <dt>Started</dt><dd>{when(d.started_at)}</dd>
            <dt>Ended</dt><dd>{when(d.ended_at)}</dd>
            <dt>Duration</dt><dd>{duration === null ? "—" : `${formatDuration(duration)}${running ? " so far" : ""}`}</dd>
            <dt>Mode</dt><dd>{d.mode} ({d.transport})</dd>
            <dt>Language</dt><dd>{d.language}</dd>
            <dt>Origin</dt><dd>{d.origin ?? "—"}</dd>
            {median !== null ? (<><dt>Latency p50</dt><dd>{formatDuration(median)}</dd></>) : null}
            {p95 !== null ? (<><dt>Latency p95</dt><dd>{formatDuration(p95)}</dd></>) : null}
            {greeting !== null ? (<><dt>Greeting latency</dt><dd>{formatDuration(greeting)}</dd></>) : null}
            {ttfb ? (<><dt>First byte (p50)</dt><dd>{ttfb}</dd></>) : null}
            <dt>Session id</dt><dd><code>{d.id}</code></dd>
          </dl>
          <Json label="Metadata" value={d.metadata} />
          {Object.keys(d.metrics).length ? (
            <details>
              <summary>Raw metrics</summary>
              <pre tabIndex={0}><code>{prettyJson(d.metrics, 8000)}</code></pre>
            </details>
          ) : null}
        </section>
      </div>
    </>
  );
}
