// Overview: calls per day, form submissions per day, turn latency and tool errors, as small
// hand-written SVG bar charts (each bar has a <title>; a table below each chart holds the same
// numbers for screen readers and keyboard users).
import { useQuery } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import type { Overview } from "../api/client";
import { AgentPicker } from "../components/agent-picker";
import { Banner, errorText } from "../components/banner";
import { useServices } from "../context";
import { bars, dayLabel, formatMs, formatRate } from "../state/charts";

const W = 900;
const H = 160;

function BarChart({ id, title, points, unit }: { id: string; title: string; points: { label: string; value: number }[]; unit: string }) {
  const { bars: shown, max } = bars(points, W, H);
  return (
    <figure class="chart" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}>{title}</figcaption>
      <svg viewBox={`0 -12 ${W + 50} ${H + 36}`} role="img" aria-labelledby={`${id}-svg-title`} class="chart-svg">
        <title id={`${id}-svg-title`}>{`${title}: bar chart, axis up to ${max} ${unit}`}</title>
        <line x1="0" y1={H} x2={W} y2={H} class="axis" />
        <line x1="0" y1="0" x2={W} y2="0" class="grid" />
        <text x={W + 6} y="5" class="tick">{max}</text>
        <text x={W + 6} y={H + 5} class="tick">0</text>
        {shown.map((b) => (
          <rect key={b.label} x={b.x} y={b.y} width={b.width} height={b.height} class="bar">
            <title>{`${b.label}: ${b.value} ${unit}`}</title>
          </rect>
        ))}
        {shown.length ? (
          <>
            <text x="0" y={H + 22} class="tick">{shown[0]?.label}</text>
            <text x={W} y={H + 22} class="tick end">{shown[shown.length - 1]?.label}</text>
          </>
        ) : null}
      </svg>
    </figure>
  );
}

function DayTable({ data }: { data: Overview }) {
  return (
    <details class="data-table">
      <summary>Numbers per day</summary>
      <div class="table-wrap compact" tabIndex={0}>
        <table id="per-day-table">
          <caption class="sr-only">Sessions, calls and form submissions per day</caption>
          <thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Sessions</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Form submissions</th></tr></thead>
          <tbody>
            {data.per_day.map((d) => (
              <tr key={d.date}><td class="nowrap">{d.date}</td><td class="num">{d.sessions}</td><td class="num">{d.calls}</td><td class="num">{d.form_submissions}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div class="stat card">
      <dt>{label}</dt>
      <dd>{value}{note ? <span class="stat-note">{note}</span> : null}</dd>
    </div>
  );
}

export function OverviewPage() {
  const { api } = useServices();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api.listAgents() });
  const [agent, setAgent] = useState("");
  const [days, setDays] = useState(30);
  const stats = useQuery({ queryKey: ["overview", days, agent], queryFn: () => api.overview(days, agent) });
  const data = stats.data;
  const tools = data?.tools.by_tool ?? [];
  return (
    <>
      <h1>Overview</h1>
      <div class="card filters" role="group" aria-label="Period and agent">
        <div class="field">
          <label for="overview-days">Period</label>
          <select id="overview-days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            <option value="7">Last 7 days</option>
            <option value="30">Last 30 days</option>
            <option value="90">Last 90 days</option>
          </select>
        </div>
        {agents.data ? <AgentPicker id="overview-agent" label="Agent" agents={agents.data} value={agent} onValue={setAgent} allLabel="All agents" /> : null}
      </div>
      {stats.isError ? <Banner>{errorText(stats.error)}</Banner> : null}
      {stats.isPending ? <p role="status">Loading figures…</p> : null}
      {data ? (
        <>
          <dl class="stats" aria-label="Totals">
            <Stat label="Calls" value={String(data.totals.calls)} note={` of ${data.totals.sessions} sessions`} />
            <Stat label="Form submissions" value={String(data.totals.form_submissions)} />
            <Stat label="Median turn latency" value={formatMs(data.latency.median_ms)} note={` p95 ${formatMs(data.latency.p95_ms)}`} />
            <Stat label="Tool error rate" value={formatRate(data.tools.error_rate)} note={` ${data.tools.errors} of ${data.tools.calls} calls`} />
          </dl>
          <section class="card" aria-labelledby="per-day-title">
            <h2 id="per-day-title">Per day</h2>
            <BarChart id="calls-chart" title="Calls per day" unit="calls" points={data.per_day.map((d) => ({ label: dayLabel(d.date), value: d.calls }))} />
            <BarChart id="forms-chart" title="Form submissions per day" unit="submissions" points={data.per_day.map((d) => ({ label: dayLabel(d.date), value: d.form_submissions }))} />
            <DayTable data={data} />
          </section>
          <div class="columns">
            <section class="card" aria-labelledby="latency-title">
              <h2 id="latency-title">Turn latency</h2>
              <p class="hint">From the visitor stopping speaking to the agent's first output, over {data.latency.turns} turns.</p>
              <BarChart id="latency-chart" title="Turn latency" unit="ms" points={[
                { label: "median", value: Math.round(data.latency.median_ms ?? 0) },
                { label: "p95", value: Math.round(data.latency.p95_ms ?? 0) },
              ]} />
              <dl class="facts">
                <dt>Median</dt><dd>{formatMs(data.latency.median_ms)}</dd>
                <dt>95th percentile</dt><dd>{formatMs(data.latency.p95_ms)}</dd>
              </dl>
            </section>
            <section class="card" aria-labelledby="tools-title">
              <h2 id="tools-title">Tools</h2>
              {tools.length === 0 ? <p class="empty">No tool calls in this period.</p> : (
                <>
                  <BarChart id="tool-errors-chart" title="Tool errors by tool" unit="errors" points={tools.map((t) => ({ label: t.name, value: t.errors }))} />
                  <div class="table-wrap" tabIndex={0}>
                    <table>
                      <caption class="sr-only">Tool calls and errors by tool</caption>
                      <thead><tr><th scope="col">Tool</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Error rate</th></tr></thead>
                      <tbody>
                        {tools.map((t) => (
                          <tr key={t.name}><td>{t.name}</td><td class="num">{t.calls}</td><td class="num">{t.errors}</td><td class="num">{formatRate(t.calls ? t.errors / t.calls : null)}</td></tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </section>
          </div>
        </>
      ) : null}
    </>
  );
}
