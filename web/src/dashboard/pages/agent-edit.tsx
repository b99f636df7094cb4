import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import type { Agent, SaveWarning } from "../api/client";
import { ApiError, mapFieldErrors } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { AgentTabs } from "../components/agent-tabs";
import { ConfirmDialog } from "../components/confirm";
import { Checkbox, TextArea, TextField } from "../components/fields";
import { useDraft, useServices } from "../context";
import {
  AGENT_FORM_KEYS, LIMIT_KEYS, type AgentFormValues, type LimitKey, checkAgentForm, promptVariables, updateBody, valuesFromAgent,
} from "../state/agent-form";
import { modelChoices, modelNote } from "../state/models";
import { EmbedSection } from "./embed";

const LIMIT_LABELS: Record<LimitKey, string> = {
  max_session_seconds: "Longest call (seconds)",
  idle_timeout_seconds: "Hang up after silence (seconds)",
  max_concurrent_sessions: "Calls at the same time",
  sessions_per_minute: "New calls per minute",
};

export function AgentPage({ slug }: { slug: string }) {
  const { api } = useServices();
  const agent = useQuery({ queryKey: ["agent", slug], queryFn: () => api.getAgent(slug) });
  if (agent.isPending) return <p role="status">Loading agent…</p>;
  if (agent.isError) {
    const notFound = agent.error instanceof ApiError && agent.error.status === 404;
    return (
      <>
        <p class="crumbs"><Link href="/agents">Agents</Link> / {slug}</p>
        <h1>{notFound ? "Agent not found" : "Cannot load this agent"}</h1>
        <Banner>{notFound ? `There is no agent “${slug}” in your organization.` : errorText(agent.error)}</Banner>
        <p><Link href="/agents">Back to the agents</Link></p>
      </>
    );
  }
  return <AgentEditor key={slug} agent={agent.data} />;
}

function AgentEditor({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [v, setV, reset] = useDraft<AgentFormValues>(`agent:${agent.slug}`, () => valuesFromAgent(agent));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [saved, setSaved] = useState<SaveWarning[] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const readOnly = agent.system_prompt === null;
  const edited = (key: string): void => {
    setSaved(null);
    if (fields[key]) setFields({ ...fields, [key]: "" });
  };
  const set = <K extends keyof AgentFormValues>(k: K) => (value: AgentFormValues[K]) => {
    edited(k);
    setV({ ...v, [k]: value });
  };
  const setLimit = (k: LimitKey) => (value: string) => {
    edited(`limits.${k}`);
    setV({ ...v, limits: { ...v.limits, [k]: value } });
  };

  const save = useMutation({
    mutationFn: () => api.updateAgent(agent.slug, updateBody(v)),
    onSuccess: (out) => {
      const { warnings, ...fresh } = out;
      queries.setQueryData(["agent", agent.slug], fresh);
      void queries.invalidateQueries({ queryKey: ["agents"] });
      reset(valuesFromAgent(fresh));
      setSaved(warnings ?? []);
    },
    onError: (err) => {
      const mapped = mapFieldErrors(err instanceof ApiError ? err.errors : [], AGENT_FORM_KEYS);
      setFields(mapped.fields);
      setError(errorText(err, mapped.rest));
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteAgent(agent.slug),
    onSuccess: () => {
      reset();
      queries.removeQueries({ queryKey: ["agent", agent.slug] });
      void queries.invalidateQueries({ queryKey: ["agents"] });
      navigate("/agents");
    },
    onError: (err) => {
      setConfirming(false);
      setError(errorText(err));
    },
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const local = checkAgentForm(v, false);
    setFields(local);
    setError(Object.keys(local).length ? "Some fields need a fix before saving." : "");
    setSaved(null);
    if (!Object.keys(local).length) save.mutate();
  };
  const vars = promptVariables(v.system_prompt);
  // The pickers' suggestions; without them (older server, error) the fields stay plain text.
  const models = useQuery({ queryKey: ["models"], queryFn: () => api.models(), staleTime: 300_000 });
  const picker = (role: "llm" | "stt" | "tts", value: string, example: string) => {
    const choices = models.data ? modelChoices(models.data[role]) : undefined;
    const note = modelNote(models.data?.[role], value);
    return { suggestions: choices, hint: note || (choices?.length ? `Type or pick one of ${choices.length} choices, ${example}.` : example) };
  };

  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / {agent.slug}</p>
      <div class="page-head">
        <h1>{agent.name}</h1>
        {readOnly ? null : (
          <button type="button" class="danger secondary" onClick={() => setConfirming(true)}>Delete agent</button>
        )}
      </div>
      <AgentTabs slug={agent.slug} />
      <div class="columns">
        <form class="card form" onSubmit={submit} noValidate aria-label="Agent settings">
          {readOnly ? <Banner kind="info">Your role can see this agent but not change it.</Banner> : null}
          {error ? <Banner>{error}</Banner> : null}
          {saved ? (
            <Banner kind={saved.length ? "info" : "success"}>
              Saved.{saved.map((w) => <span key={w.field} class="warning"> {w.message}</span>)}
            </Banner>
          ) : null}
          <fieldset disabled={readOnly}>
            <legend>Basics</legend>
            <TextField name="name" label="Name" value={v.name} onValue={set("name")} error={fields.name} required />
            <TextField name="slug" label="Slug" value={v.slug} onValue={() => undefined} readOnly hint="The slug cannot change after creation." />
            <TextField name="language" label="Language" value={v.language} onValue={set("language")} error={fields.language} hint="A language code such as en, de or pt-BR." />
            <TextArea name="system_prompt" label="System prompt" rows={8} value={v.system_prompt} onValue={set("system_prompt")} error={fields.system_prompt}
              hint={<>Use <code>{"{{variable}}"}</code> for values your page or backend sends as session metadata.{vars.length ? <> Variables: {vars.map((n) => <code key={n}>{n}</code>)}</> : null}</>} />
            <TextArea name="greeting" label="Greeting" rows={2} value={v.greeting} onValue={set("greeting")} error={fields.greeting} hint="The first thing the agent says." />
          </fieldset>
          <fieldset disabled={readOnly}>
            <legend>Where it runs</legend>
            <TextArea name="allowed_origins" label="Allowed origins" rows={4} value={v.allowed_origins} onValue={set("allowed_origins")} error={fields.allowed_origins}
              placeholder="https://www.example.com" hint="One per line: https://www.example.com, https://*.example.com, or * for any site." />
          </fieldset>
          <fieldset disabled={readOnly}>
            <legend>Models and voice</legend>
            <TextField name="llm_model" label="Language model" value={v.llm_model} onValue={set("llm_model")} error={fields.llm_model} {...picker("llm", v.llm_model, "e.g. local:qwen2.5-1.5b or gpt-4o-mini")} />
            <TextField name="stt_model" label="Speech-to-text model" value={v.stt_model} onValue={set("stt_model")} error={fields.stt_model} {...picker("stt", v.stt_model, "e.g. local:whisper-tiny.en")} />
            <TextField name="tts_model" label="Text-to-speech model" value={v.tts_model} onValue={set("tts_model")} error={fields.tts_model} {...picker("tts", v.tts_model, "e.g. local:piper")} />
            <TextField name="voice" label="Voice (optional)" value={v.voice} onValue={set("voice")} error={fields.voice} hint="e.g. en_US-joe-medium; empty for the model's default." />
          </fieldset>
          <fieldset disabled={readOnly}>
            <legend>Limits</legend>
            <div class="grid2">
              {LIMIT_KEYS.map((k) => (
                <TextField key={k} name={`limits.${k}`} label={LIMIT_LABELS[k]} inputMode="numeric" value={v.limits[k]} onValue={setLimit(k)} error={fields[`limits.${k}`]} />
              ))}
            </div>
          </fieldset>
          <fieldset disabled={readOnly}>
            <legend>Built-in actions</legend>
            <Checkbox name="show_form" label="The agent may show forms" checked={v.show_form} onChecked={set("show_form")} />
            <Checkbox name="end_call" label="The agent may end the call" checked={v.end_call} onChecked={set("end_call")} error={fields.builtins} />
          </fieldset>
          {readOnly ? null : (
            <div class="actions">
              <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save changes"}</button>
              <button type="button" class="secondary" onClick={() => { reset(valuesFromAgent(agent)); setFields({}); setError(""); }}>
                Discard changes
              </button>
            </div>
          )}
        </form>
        <EmbedSection agent={agent} />
      </div>
      <ConfirmDialog open={confirming} title={`Delete ${agent.name}?`} confirmLabel="Delete" busy={remove.isPending}
        onCancel={() => setConfirming(false)} onConfirm={() => remove.mutate()}>
        <p>This removes the agent <code>{agent.slug}</code>, its calls and form responses. Websites that embed it stop working. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
