import { useQuery } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { Banner, errorText } from "../components/banner";
import { useServices } from "../context";
import type { Agent } from "../api/client";

export function matchesSearch(agent: Pick<Agent, "name" | "slug">, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || agent.name.toLowerCase().includes(q) || agent.slug.includes(q);
}

export function AgentsPage() {
  const { api } = useServices();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api.listAgents() });
  const [query, setQuery] = useState("");
  const shown = (agents.data ?? []).filter((a) => matchesSearch(a, query));
  return (
    <>
      <div class="page-head">
        <h1>Agents</h1>
        <Link class="button" href="/agents/new">New agent</Link>
      </div>
      <div class="field search">
        <label for="agent-search">Search agents</label>
        <input id="agent-search" type="search" value={query} placeholder="Name or slug" onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      {agents.isPending ? <p role="status">Loading agents…</p> : null}
      {agents.isError ? <Banner>{errorText(agents.error)}</Banner> : null}
      {agents.data && agents.data.length === 0 ? (
        <p class="empty">No agents yet. <Link href="/agents/new">Create your first agent</Link>.</p>
      ) : null}
      {agents.data && agents.data.length > 0 && shown.length === 0 ? <p class="empty">No agent matches “{query}”.</p> : null}
      {shown.length ? (
        <ul class="agent-list" aria-label="Agents">
          {shown.map((a) => (
            <li key={a.slug} class="card">
              <Link href={`/agents/${a.slug}`} class="agent-link">{a.name}</Link>
              <span class="slug">{a.slug}</span>
              <span class="meta">{a.language} · {a.allowed_origins.length === 1 ? "1 origin" : `${a.allowed_origins.length} origins`} · {a.llm_model}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
