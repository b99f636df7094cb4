import { useQuery } from "@tanstack/preact-query";
import { useRef } from "preact/hooks";
import { Link, useLocation, useSearch } from "wouter-preact";
import { Banner, errorText } from "../components/banner";
import { useServices } from "../context";
import {
  type CallFilters,
  NO_FILTERS,
  STATUSES,
  checkFilters,
  filtersFromSearch,
  filtersToSearch,
  formatDuration,
  isLive,
  sessionDuration,
  sessionsQuery,
} from "../state/timeline";

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status-${status}`}>
      {isLive(status) ? <span class="live-dot" aria-hidden="true" /> : null}
      {isLive(status) ? `Live (${status})` : status}
    </span>
  );
}

function DateField({ name, label, value, error, onValue }: { name: string; label: string; value: string; error: string | undefined; onValue: (v: string) => void }) {
  const id = `calls-${name}`;
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      <input id={id} type="date" value={value} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} onInput={(e) => onValue(e.currentTarget.value)} />
      {error ? <p class="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}

export function CallsPage() {
  const { api } = useServices();
  const search = useSearch();
  const [, navigate] = useLocation();
  // The page's URL holds the filters (one source of truth: back/forward and links keep them).
  const filters = filtersFromSearch(search);
  const errors = checkFilters(filters);
  const valid = !errors.from && !errors.to;
  const lastValid = useRef<CallFilters>(filters);
  if (valid) lastValid.current = filters;
  const applied = lastValid.current;
  const setFilters = (next: CallFilters): void => {
    const q = filtersToSearch(next);
    navigate(q ? `/calls?${q}` : "/calls", { replace: true });
  };

  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api.listAgents() });
  const query = sessionsQuery(applied);
  const sessions = useQuery({
    queryKey: ["sessions", query],
    queryFn: () => api.listSessions(query),
    refetchInterval: (q) => ((q.state.data ?? []).some((s) => isLive(s.status)) ? 5000 : 30_000),
  });
  const set = (key: keyof CallFilters) => (v: string) => setFilters({ ...filters, [key]: v });
  const filtered = filtersToSearch(applied) !== "";
  const now = Date.now();

  return (
    <>
      <div class="page-head">
        <h1>Calls</h1>
      </div>
      <form class="call-filters" aria-label="Filter calls" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="calls-agent">Agent</label>
          <select id="calls-agent" value={filters.agent} onChange={(e) => set("agent")(e.currentTarget.value)}>
            <option value="">All agents</option>
            {(agents.data ?? []).map((a) => <option key={a.slug} value={a.slug}>{a.name} ({a.slug})</option>)}
            {filters.agent && agents.data && !agents.data.some((a) => a.slug === filters.agent) ? <option value={filters.agent}>{filters.agent}</option> : null}
          </select>
        </div>
        <div class="field">
          <label for="calls-status">Status</label>
          <select id="calls-status" value={filters.status} onChange={(e) => set("status")(e.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s === "created" ? "created (not connected yet)" : s === "active" ? "active (live)" : s}</option>)}
          </select>
        </div>
        <DateField name="from" label="From" value={filters.from} error={errors.from} onValue={set("from")} />
        <DateField name="to" label="To" value={filters.to} error={errors.to} onValue={set("to")} />
        <div class="filter-reset">
          <button type="button" class="secondary" disabled={!filtered && filtersToSearch(filters) === ""} onClick={() => setFilters(NO_FILTERS)}>Clear filters</button>
        </div>
      </form>
      {sessions.isPending ? <p role="status">Loading calls…</p> : null}
      {sessions.isError ? <Banner>{errorText(sessions.error)}</Banner> : null}
      {sessions.data && sessions.data.length === 0 ? (
        <p class="empty">{filtered ? "No call matches these filters." : "No calls yet. Calls appear here once a visitor talks to one of your agents."}</p>
      ) : null}
      {sessions.data && sessions.data.length > 0 ? (
        <>
          <p class="hint" role="status">{sessions.data.length === 1 ? "1 call" : `${sessions.data.length} calls`}{sessions.data.length >= 200 ? " (the newest 200; narrow the dates to see older ones)" : ""}</p>
          <ul class="call-list" aria-label="Calls">
            {sessions.data.map((s) => {
              const ms = sessionDuration(s, now);
              return (
                <li key={s.id} class={isLive(s.status) ? "card call-row live" : "card call-row"}>
                  <Link href={`/calls/${encodeURIComponent(s.id)}`} class="call-link">
                    {s.agent} · {when(s.started_at ?? s.created_at)}
                  </Link>
                  <StatusBadge status={s.status} />
                  <span class="meta">
                    {s.mode} · {ms === null ? "not connected" : isLive(s.status) ? `running ${formatDuration(ms)}` : formatDuration(ms)}
                    {s.end_reason ? ` · ended: ${s.end_reason}` : ""}
                    {s.origin ? ` · ${s.origin}` : ""}
                  </span>
                  <span class="slug">{s.id}</span>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </>
  );
}
