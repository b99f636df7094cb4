// Form responses: a table per agent and form (filters: form, session, dates), each row linked to
// its call, and a CSV export of exactly what the filters show (downloaded with the token in the
// Authorization header, handed to the browser as a Blob URL).
import { useQuery } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { Agent } from "../api/client";
import { AgentPicker } from "../components/agent-picker";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { TextField } from "../components/fields";
import { When } from "../components/shown-once";
import { useServices } from "../context";
import { NO_FILTERS, type ResponseFilters, cellText, checkFilters, downloadName, filterQuery, valueColumns } from "../state/responses";

function formChoices(agent: Agent | undefined, seen: readonly string[]): { id: string; title: string }[] {
  const forms = (agent?.widget_appearance.forms ?? []).map((f) => ({ id: f.id, title: f.title }));
  const known = new Set(forms.map((f) => f.id));
  for (const id of seen) if (!known.has(id)) forms.push({ id, title: `${id} (removed)` });
  return forms;
}

/** Field name → label over the agent's forms (flat fields and steps). */
function fieldLabels(agent: Agent | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  for (const form of agent?.widget_appearance.forms ?? []) {
    const fields = [...(form.fields ?? []), ...(form.steps ?? []).flatMap((s) => s.fields ?? [])];
    for (const f of fields) if (f.name && f.label && !labels.has(f.name)) labels.set(f.name, f.label);
  }
  return labels;
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ResponsesPage({ slug: fixedSlug }: { slug?: string }) {
  const { api } = useServices();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api.listAgents() });
  const [picked, setPicked] = useState(fixedSlug ?? "");
  const slug = picked || agents.data?.[0]?.slug || "";
  const agent = agents.data?.find((a) => a.slug === slug);
  const [draft, setDraft] = useState<ResponseFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<ResponseFilters>(NO_FILTERS);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const query = filterQuery(applied);
  const rows = useQuery({ queryKey: ["form-responses", slug, query], queryFn: () => api.formResponses(slug, query), enabled: !!slug });
  const columns = valueColumns(rows.data ?? []);
  const labels = fieldLabels(agent);
  const forms = formChoices(agent, [...new Set((rows.data ?? []).map((r) => r.form_id))]);
  const set = (patch: Partial<ResponseFilters>): void => setDraft({ ...draft, ...patch });

  const apply = (e: Event): void => {
    e.preventDefault();
    const found = checkFilters(draft);
    setErrors(found);
    if (Object.keys(found).length === 0) setApplied(draft);
  };
  const clear = (): void => {
    setDraft(NO_FILTERS);
    setApplied(NO_FILTERS);
    setErrors({});
  };
  const exportCsv = async (): Promise<void> => {
    setExporting(true);
    setExportError(null);
    try {
      const { blob, disposition } = await api.formResponsesCsv(slug, filterQuery(applied, "csv"));
      saveBlob(blob, downloadName(disposition, `${slug}-form-responses.csv`));
    } catch (err) {
      setExportError(errorText(err));
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <h1>Form responses</h1>
      {fixedSlug ? <AgentTabs slug={fixedSlug} /> : null}
      {agents.isError ? <Banner>{errorText(agents.error)}</Banner> : null}
      {agents.isPending ? <p role="status">Loading agents…</p> : null}
      {agents.data && agents.data.length === 0 ? <p class="empty">No agents yet. <Link href="/agents/new">Create an agent</Link> with a form first.</p> : null}
      {agents.data && agents.data.length > 0 ? (
        <form class="card filters" onSubmit={apply} noValidate aria-label="Filters">
          <AgentPicker id="responses-agent" label="Agent" agents={agents.data} value={slug} onValue={(s) => { setPicked(s); clear(); }} />
          <div class="field">
            <label for="f-form">Form</label>
            <select id="f-form" value={draft.formId} onChange={(e) => set({ formId: e.currentTarget.value })}>
              <option value="">All forms</option>
              {forms.map((f) => <option key={f.id} value={f.id}>{f.title}</option>)}
            </select>
          </div>
          <TextField name="session" label="Session id" value={draft.sessionId} onValue={(v) => set({ sessionId: v })} error={errors.sessionId} />
          <TextField name="since" label="From (YYYY-MM-DD)" value={draft.since} onValue={(v) => set({ since: v })} error={errors.since} placeholder="2026-12-01" inputMode="numeric" />
          <TextField name="until" label="To (YYYY-MM-DD)" value={draft.until} onValue={(v) => set({ until: v })} error={errors.until} placeholder="2026-12-31" inputMode="numeric" />
          <div class="actions">
            <button type="submit">Apply filters</button>
            <button type="button" class="secondary" onClick={clear}>Clear</button>
          </div>
        </form>
      ) : null}
      {slug ? (
        <section class="card" aria-labelledby="responses-title">
          <div class="page-head">
            <h2 id="responses-title">
              {rows.data ? `${rows.data.length} ${rows.data.length === 1 ? "response" : "responses"}` : "Responses"}
              {agent ? ` · ${agent.name}` : ""}
            </h2>
            <button type="button" class="secondary" onClick={() => void exportCsv()} disabled={exporting || !rows.data?.length}>
              {exporting ? "Exporting…" : "Export CSV"}
            </button>
          </div>
          {exportError ? <Banner>{exportError}</Banner> : null}
          {rows.isError ? <Banner>{errorText(rows.error)}</Banner> : null}
          {rows.isPending ? <p role="status">Loading responses…</p> : null}
          {rows.data && rows.data.length === 0 ? <p class="empty">No responses match these filters.</p> : null}
          {rows.data && rows.data.length > 0 ? (
            <div class="table-wrap" tabIndex={0}>
              <table>
                <caption class="sr-only">Form responses, oldest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Received</th><th scope="col">Form</th><th scope="col">Call</th>
                    {columns.map((c) => <th key={c} scope="col">{labels.get(c) ?? c}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {rows.data.map((r) => (
                    <tr key={r.id}>
                      <td><When iso={r.created_at} /></td>
                      <td>{forms.find((f) => f.id === r.form_id)?.title ?? r.form_id}</td>
                      <td>{r.session_id ? <Link href={`/calls/${encodeURIComponent(r.session_id)}`}><span class="sr-only">Call </span><code>{r.session_id}</code></Link> : "—"}</td>
                      {columns.map((c) => <td key={c}>{cellText(r.values, c)}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {rows.data && rows.data.length >= 1000 ? <p class="hint">Showing the first 1000; narrow the filters or export the CSV for all of them.</p> : null}
        </section>
      ) : null}
    </>
  );
}
