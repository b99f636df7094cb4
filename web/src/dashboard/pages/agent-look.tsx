// /agents/:slug/look: the widget's name, primary colour and position, with a live preview of the widget.
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { Agent } from "../api/client";
import { ApiError } from "../api/errors";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { SelectField, TextField } from "../components/fields";
import { useDraft, useServices } from "../context";
import { DEFAULT_PRIMARY, type LookValues, POSITIONS, type Position, checkLook, expandHex, lookErrorKey, lookFromAgent, lookUpdate } from "../state/look";
import { WidgetLookPreview } from "./widget-preview";

export function LookPage({ slug }: { slug: string }) {
  const { api } = useServices();
  const agent = useQuery({ queryKey: ["agent", slug], queryFn: () => api.getAgent(slug) });
  if (agent.isPending) return <p role="status">Loading agent…</p>;
  if (agent.isError) {
    return (
      <>
        <p class="crumbs"><Link href="/agents">Agents</Link> / {slug}</p>
        <h1>Cannot load this agent</h1>
        <Banner>{errorText(agent.error)}</Banner>
      </>
    );
  }
  return <LookEditor key={slug} agent={agent.data} />;
}

function LookEditor({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const [v, setV, reset] = useDraft<LookValues>(`look:${agent.slug}`, () => lookFromAgent(agent));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const readOnly = agent.system_prompt === null;
  const set = <K extends keyof LookValues>(k: K) => (value: LookValues[K]): void => {
    setSaved(false);
    if (fields[k]) setFields({ ...fields, [k]: "" });
    setV({ ...v, [k]: value });
  };
  const save = useMutation({
    mutationFn: () => api.updateAgent(agent.slug, lookUpdate(v)),
    onSuccess: (out) => {
      const { warnings: _w, ...fresh } = out;
      queries.setQueryData(["agent", agent.slug], fresh);
      reset(lookFromAgent(fresh));
      setSaved(true);
    },
    onError: (err) => {
      const mapped: Record<string, string> = {};
      const rest: string[] = [];
      for (const e of err instanceof ApiError ? err.errors : []) {
        const key = lookErrorKey(e.field);
        if (key) mapped[key] = e.message;
        else rest.push(`${e.field}: ${e.message}`);
      }
      setFields(mapped);
      setError(errorText(err, rest));
    },
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const local = checkLook(v);
    setFields(local);
    setSaved(false);
    setError(Object.keys(local).length ? "Some fields need a fix before saving." : "");
    if (!Object.keys(local).length) save.mutate();
  };
  const validColor = expandHex(v.primary_color);
  const shownColor = validColor ?? (v.primary_color.trim() ? "" : DEFAULT_PRIMARY);

  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / <Link href={`/agents/${encodeURIComponent(agent.slug)}`}>{agent.slug}</Link> / Look</p>
      <h1>{agent.name}: look</h1>
      <AgentTabs slug={agent.slug} />
      <div class="columns">
        <form class="card form" onSubmit={submit} noValidate aria-label="Widget look">
          {readOnly ? <Banner kind="info">Your role can see this agent but not change it.</Banner> : null}
          {error ? <Banner>{error}</Banner> : null}
          {saved ? <Banner kind="success">Saved. Websites show the new look on their next page load.</Banner> : null}
          <fieldset disabled={readOnly}>
            <legend>Widget</legend>
            <TextField name="name" label="Name shown in the widget" value={v.name} onValue={set("name")} error={fields.name}
              placeholder={agent.name} hint={`Empty uses the agent's name (${agent.name}).`} />
            <div class="color-row">
              <TextField name="primary_color" label="Primary colour (hex)" value={v.primary_color} onValue={set("primary_color")} error={fields.primary_color}
                placeholder={DEFAULT_PRIMARY} hint="Launcher, header and buttons. Empty uses the widget's default." />
              <div class="field">
                <label for="f-primary_color_picker">Pick a colour</label>
                <input id="f-primary_color_picker" type="color" value={validColor ?? DEFAULT_PRIMARY}
                  onInput={(e) => set("primary_color")(e.currentTarget.value)} />
              </div>
            </div>
            <SelectField name="position" label="Position on the page" value={v.position} options={POSITIONS}
              onValue={(x) => set("position")(x === "bottom-left" ? "bottom-left" : "bottom-right" satisfies Position)} error={fields.position} />
          </fieldset>
          {readOnly ? null : (
            <div class="actions">
              <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save look"}</button>
              <button type="button" class="secondary" onClick={() => { reset(lookFromAgent(agent)); setFields({}); setError(""); setSaved(false); }}>
                Discard changes
              </button>
            </div>
          )}
        </form>
        <section class="card" aria-labelledby="look-preview-title">
          <h2 id="look-preview-title">Preview</h2>
          <p class="hint">The widget as visitors see it, updated as you type{shownColor ? "" : " (the colour is not a valid hex colour yet)"}.</p>
          <WidgetLookPreview name={v.name || agent.name} color={shownColor} position={v.position} />
        </section>
      </div>
    </>
  );
}
