// /agents/:slug/forms: the forms builder. Every field type and attribute of the guide's field
// table, flat or multi-step, managed storage or submit_url; the preview is the widget's own form
// renderer. Saving sends the whole list (a PATCH of widget_appearance.forms replaces it).
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useMemo, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { Agent } from "../api/client";
import { ApiError } from "../api/errors";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { Checkbox, SelectField, TextArea, TextField } from "../components/fields";
import { useDraft, useServices } from "../context";
import type { FormDefinition } from "../../sdk/types";
import {
  type FieldModel, type FormModel, type StepModel, FIELD_TYPES, attrsFor, checkForms, fieldKey, formFromApi, formToApi, mapFormErrors, move,
  newField, newForm, newStep, setMultiStep,
} from "../state/forms-builder";
import { FormPreview } from "./widget-preview";

export function FormsPage({ slug }: { slug: string }) {
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
  return <FormsEditor key={slug} agent={agent.data} />;
}

const METHODS = [{ value: "POST", label: "POST" }, { value: "PUT", label: "PUT" }, { value: "PATCH", label: "PATCH" }] as const;
const WIDTHS = [{ value: "", label: "Default (full)" }, { value: "full", label: "Full width" }, { value: "half", label: "Half width" }] as const;

/** After a re-render, focus the first enabled button with one of these names (keyboard users keep their place). */
function focusLater(names: readonly string[]): void {
  // After Preact's render (scheduled on a microtask or the next frame).
  requestAnimationFrame(() => setTimeout(() => {
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>("button"));
    for (const name of names) {
      const el = buttons.find((b) => !b.disabled && (b.getAttribute("aria-label") ?? b.textContent) === name);
      if (el) {
        el.focus();
        return;
      }
    }
  }, 0));
}

function fieldTitle(f: FieldModel, index: number): string {
  return f.label.trim() || f.name.trim() || `field ${index + 1}`;
}

function FormsEditor({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const initial = (a: Agent): FormModel[] => (a.widget_appearance.forms ?? []).map(formFromApi);
  const [forms, setForms, reset] = useDraft<FormModel[]>(`forms:${agent.slug}`, () => initial(agent));
  const [current, setCurrent] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState("");
  const [saved, setSaved] = useState(false);
  const readOnly = agent.system_prompt === null;
  const form = forms[current];

  const update = (next: FormModel[]): void => {
    setSaved(false);
    setForms(next);
  };
  // An edited attribute's error goes away (and the field's own message, which may be about it).
  const edited = (key: string): void => {
    const parent = key.replace(/\.\w+$/, "");
    if (!errors[key] && !errors[parent]) return;
    const next = { ...errors };
    delete next[key];
    delete next[parent];
    setErrors(next);
  };
  const setForm = (fi: number, f: FormModel): void => update(forms.map((x, i) => (i === fi ? f : x)));

  const save = useMutation({
    mutationFn: () => api.updateAgent(agent.slug, { widget_appearance: { forms: forms.map(formToApi) } }),
    onSuccess: (out) => {
      const { warnings: _w, ...fresh } = out;
      queries.setQueryData(["agent", agent.slug], fresh);
      reset(forms);
      setSaved(true);
      setErrors({});
      setBanner("");
    },
    onError: (err) => {
      const mapped = mapFormErrors(err instanceof ApiError ? err.errors : [], forms);
      setErrors(mapped.fields);
      const onFields = Object.keys(mapped.fields).length > 0 && mapped.rest.length === 0;
      setBanner(onFields ? "Nothing was saved: the server refused some settings, marked below." : errorText(err, mapped.rest));
      reveal(mapped.fields);
    },
  });
  // Show the first form and field that has an error.
  const reveal = (found: Record<string, string>): void => {
    const first = Object.keys(found).sort()[0];
    const m = first ? /^forms\[(\d+)\](?:\.steps\[(\d+)\]\.fields\[(\d+)\])?/.exec(first) : null;
    if (!m) return;
    const fi = Number(m[1]);
    setCurrent(fi);
    if (m[2] !== undefined && m[3] !== undefined) setOpen(forms[fi]?.steps[Number(m[2])]?.fields[Number(m[3])]?.key ?? null);
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    const local = checkForms(forms);
    setErrors(local);
    setSaved(false);
    if (Object.keys(local).length) {
      setBanner("Some fields need a fix before saving.");
      reveal(local);
      return;
    }
    setBanner("");
    save.mutate();
  };
  const theme: Record<string, unknown> = agent.widget_appearance.theme ?? {};
  const brand = typeof theme.primary_color === "string" ? theme.primary_color : "";
  const preview = useMemo(() => (form ? (formToApi(form) as FormDefinition) : null), [form]);
  const previewKey = useMemo(() => JSON.stringify(preview), [preview]);
  const stablePreview = useMemo(() => preview, [previewKey]);

  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / <Link href={`/agents/${encodeURIComponent(agent.slug)}`}>{agent.slug}</Link> / Forms</p>
      <h1>{agent.name}: forms</h1>
      <AgentTabs slug={agent.slug} />
      <p class="hint intro">Forms the agent can show during a call (and visitors can open from the widget). Answers go to your own URL or to Form responses.</p>
      <div class="columns">
        <form class="card form" onSubmit={submit} noValidate aria-label="Forms">
          {readOnly ? <Banner kind="info">Your role can see these forms but not change them.</Banner> : null}
          {banner ? <Banner>{banner}</Banner> : null}
          {saved ? <Banner kind="success">Saved. The widget shows the new forms on its next page load.</Banner> : null}
          {errors.forms ? <p class="field-error">{errors.forms}</p> : null}
          <div class="form-tabs" role="group" aria-label="Your forms">
            {forms.map((f, i) => (
              <button key={f.key} type="button" class={i === current ? "small" : "small secondary"} aria-pressed={i === current}
                onClick={() => { setCurrent(i); setOpen(null); }}>
                {f.title.trim() || f.id || `Form ${i + 1}`}{Object.keys(errors).some((k) => k.startsWith(`forms[${i}]`)) ? " (needs a fix)" : ""}
              </button>
            ))}
            {readOnly ? null : (
              <button type="button" class="small secondary" onClick={() => { update([...forms, newForm(forms)]); setCurrent(forms.length); setOpen(null); }}>
                Add form
              </button>
            )}
          </div>
          {form ? (
            <FormEditor form={form} fi={current} errors={errors} edited={edited} open={open} setOpen={setOpen} readOnly={readOnly}
              onChange={(f) => setForm(current, f)}
              onRemove={() => { update(forms.filter((_, i) => i !== current)); setCurrent(Math.max(0, current - 1)); setErrors({}); }} />
          ) : <p>No forms yet. Add one to start.</p>}
          {readOnly ? null : (
            <div class="actions">
              <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save forms"}</button>
              <button type="button" class="secondary" onClick={() => { reset(initial(agent)); setSaved(false); setErrors({}); setBanner(""); setCurrent(0); setOpen(null); }}>
                Discard changes
              </button>
            </div>
          )}
        </form>
        <section class="card sticky-preview" aria-labelledby="form-preview-title">
          <h2 id="form-preview-title">Preview</h2>
          <p class="hint">The form as the widget shows it. Submitting here sends nothing.</p>
          {stablePreview ? <FormPreview form={stablePreview} color={brand} /> : <p>No form to preview.</p>}
        </section>
      </div>
    </>
  );
}

interface FormEditorProps {
  form: FormModel;
  fi: number;
  errors: Record<string, string>;
  edited: (key: string) => void;
  open: string | null;
  setOpen: (key: string | null) => void;
  readOnly: boolean;
  onChange: (f: FormModel) => void;
  onRemove: () => void;
}

function FormEditor({ form, fi, errors, edited, open, setOpen, readOnly, onChange, onRemove }: FormEditorProps) {
  const p = `forms[${fi}]`;
  const set = <K extends keyof FormModel>(k: K) => (value: FormModel[K]): void => {
    edited(`${p}.${String(k)}`);
    onChange({ ...form, [k]: value });
  };
  const setStep = (si: number, s: StepModel): void => onChange({ ...form, steps: form.steps.map((x, i) => (i === si ? s : x)) });
  const managed = form.submit_url.trim() === "";
  return (
    <>
      <fieldset disabled={readOnly}>
        <legend>Form</legend>
        {errors[p] ? <p class="field-error">{errors[p]}</p> : null}
        <div class="grid2">
          <TextField name={`${p}.title`} label="Form title" value={form.title} onValue={set("title")} error={errors[`${p}.title`]} />
          <TextField name={`${p}.id`} label="Form id" value={form.id} onValue={set("id")} error={errors[`${p}.id`]} hint="Lower case, digits, - and _; the agent's show_form uses it." />
        </div>
        <TextField name={`${p}.subtitle`} label="Subtitle (optional)" value={form.subtitle} onValue={set("subtitle")} error={errors[`${p}.subtitle`]} />
        <TextField name={`${p}.submit_url`} label="Send answers to (URL, optional)" value={form.submit_url} onValue={set("submit_url")} error={errors[`${p}.submit_url`]}
          placeholder="https://yoursite.com/leads" hint={managed ? "Empty: Oshara stores the answers (Form responses)." : "The widget sends the answers as JSON to this URL."} />
        {managed ? null : (
          <SelectField name={`${p}.submit_method`} label="Method" value={form.submit_method} options={METHODS}
            onValue={(m) => set("submit_method")(m === "PUT" || m === "PATCH" ? m : "POST")} error={errors[`${p}.submit_method`]} />
        )}
        <div class="grid2">
          <TextField name={`${p}.submit_label`} label="Submit button text (optional)" value={form.submit_label} onValue={set("submit_label")} placeholder="Submit" error={errors[`${p}.submit_label`]} />
          <TextField name={`${p}.success_message`} label="Success message (optional)" value={form.success_message} onValue={set("success_message")} placeholder="Submitted successfully." error={errors[`${p}.success_message`]} />
        </div>
        <Checkbox name={`${p}.visitor_can_open`} label="Visitors can open this form from the widget" checked={form.visitor_can_open} onChecked={set("visitor_can_open")} />
        <Checkbox name={`${p}.multi`} label="Several steps" checked={form.multiStep} onChecked={(on) => onChange(setMultiStep(form, on))} />
      </fieldset>
      {form.steps.map((s, si) => (
        <fieldset key={s.key} disabled={readOnly} class="form-step">
          <legend>{form.multiStep ? `Step ${si + 1}` : "Fields"}</legend>
          {errors[`${p}.steps[${si}]`] ? <p class="field-error">{errors[`${p}.steps[${si}]`]}</p> : null}
          {form.multiStep ? (
            <div class="grid2">
              <TextField name={`${p}.steps[${si}].title`} label={`Step ${si + 1} title`} value={s.title} onValue={(t) => setStep(si, { ...s, title: t })} error={errors[`${p}.steps[${si}].title`]} />
              <TextField name={`${p}.steps[${si}].id`} label={`Step ${si + 1} id`} value={s.id} onValue={(t) => setStep(si, { ...s, id: t })} error={errors[`${p}.steps[${si}].id`]} />
            </div>
          ) : null}
          <ol class="field-list">
            {s.fields.map((f, j) => {
              const key = fieldKey(fi, si, j);
              const title = fieldTitle(f, j);
              const bad = Object.keys(errors).some((k) => k === key || k.startsWith(`${key}.`));
              const setFields = (fields: FieldModel[]): void => setStep(si, { ...s, fields });
              return (
                <li key={f.key} class={bad ? "field-item invalid" : "field-item"}>
                  <div class="field-row">
                    <span class="field-summary">{title} <span class="hint">({FIELD_TYPES.find((t) => t.value === f.type)?.label ?? f.type}{f.required ? ", required" : ""})</span>{bad ? <span class="field-error"> needs a fix</span> : null}</span>
                    <button type="button" class="small secondary" aria-expanded={open === f.key}
                      aria-label={open === f.key ? `Close ${title}` : `Edit ${title}`} onClick={() => setOpen(open === f.key ? null : f.key)}>
                      {open === f.key ? "Close" : "Edit"}
                    </button>
                    <button type="button" class="small secondary" disabled={j === 0} aria-label={`Move ${title} up`}
                      onClick={() => { setFields(move(s.fields, j, -1)); focusLater([`Move ${title} up`, `Move ${title} down`]); }}>Up</button>
                    <button type="button" class="small secondary" disabled={j === s.fields.length - 1} aria-label={`Move ${title} down`}
                      onClick={() => { setFields(move(s.fields, j, 1)); focusLater([`Move ${title} down`, `Move ${title} up`]); }}>Down</button>
                    <button type="button" class="small danger secondary" aria-label={`Remove ${title}`}
                      onClick={() => {
                        const rest = s.fields.filter((_, i) => i !== j);
                        const near = rest[Math.min(j, rest.length - 1)];
                        const nearTitle = near ? fieldTitle(near, rest.indexOf(near)) : "";
                        setFields(rest);
                        focusLater([`Edit ${nearTitle}`, `Close ${nearTitle}`, form.multiStep ? `Add a field to step ${si + 1}` : "Add a field"]);
                      }}>Remove</button>
                  </div>
                  {open === f.key ? (
                    <FieldEditor field={f} path={key} errors={errors} edited={edited} onChange={(nf) => setFields(s.fields.map((x, i) => (i === j ? nf : x)))} />
                  ) : null}
                </li>
              );
            })}
          </ol>
          <div class="actions">
            <button type="button" class="small secondary" onClick={() => { const nf = newField(); setStep(si, { ...s, fields: [...s.fields, nf] }); setOpen(nf.key); }}>
              {form.multiStep ? `Add a field to step ${si + 1}` : "Add a field"}
            </button>
            {form.multiStep ? (
              <>
                <button type="button" class="small secondary" disabled={si === 0} onClick={() => onChange({ ...form, steps: move(form.steps, si, -1) })}>Move step {si + 1} up</button>
                <button type="button" class="small secondary" disabled={si === form.steps.length - 1} onClick={() => onChange({ ...form, steps: move(form.steps, si, 1) })}>Move step {si + 1} down</button>
                {form.steps.length > 1 ? (
                  <button type="button" class="small danger secondary" onClick={() => onChange({ ...form, steps: form.steps.filter((_, i) => i !== si) })}>Remove step {si + 1}</button>
                ) : null}
              </>
            ) : null}
          </div>
        </fieldset>
      ))}
      {readOnly ? null : (
        <div class="actions">
          {form.multiStep ? (
            <button type="button" class="secondary" onClick={() => { const st = newStep(form.steps.length); onChange({ ...form, steps: [...form.steps, st] }); setOpen(st.fields[0]?.key ?? null); }}>
              Add a step
            </button>
          ) : null}
          <button type="button" class="danger secondary" onClick={onRemove}>Remove this form</button>
        </div>
      )}
    </>
  );
}

interface FieldEditorProps {
  field: FieldModel;
  path: string;
  errors: Record<string, string>;
  edited: (key: string) => void;
  onChange: (f: FieldModel) => void;
}

function FieldEditor({ field, path, errors, edited, onChange }: FieldEditorProps) {
  const allowed = new Set(attrsFor(field.type));
  const set = <K extends keyof FieldModel>(k: K) => (value: FieldModel[K]): void => {
    edited(`${path}.${String(k)}`);
    onChange({ ...field, [k]: value });
  };
  const err = (a: string): string | undefined => errors[`${path}.${a}`];
  return (
    <div class="field-editor">
      {errors[path] ? <p class="field-error" role="alert">{errors[path]}</p> : null}
      <div class="grid2">
        <SelectField name={`${path}.type`} label="Field type" value={field.type} options={FIELD_TYPES}
          onValue={(t) => set("type")(FIELD_TYPES.find((x) => x.value === t)?.value ?? "text")} error={err("type")} />
        <TextField name={`${path}.label`} label={field.type === "display" ? "Text shown" : "Field label"} value={field.label} onValue={set("label")} error={err("label")} />
      </div>
      {allowed.has("name") ? (
        <TextField name={`${path}.name`} label="Field name" value={field.name} onValue={set("name")} error={err("name")} hint="The key of this answer in the submitted values, e.g. email." />
      ) : null}
      {allowed.has("required") ? <Checkbox name={`${path}.required`} label="Required" checked={field.required} onChecked={set("required")} error={err("required")} /> : null}
      {allowed.has("options") ? (
        <TextArea name={`${path}.options`} label="Options" rows={4} value={field.options} onValue={set("options")} error={err("options")}
          hint="One a line: a value, or value | label." />
      ) : null}
      <div class="grid2">
        {allowed.has("placeholder") ? <TextField name={`${path}.placeholder`} label="Placeholder" value={field.placeholder} onValue={set("placeholder")} error={err("placeholder")} /> : null}
        {allowed.has("default_value") ? (
          <TextField name={`${path}.default_value`} label="Default value" value={field.default_value} onValue={set("default_value")} error={err("default_value")}
            hint={field.type === "checkbox" ? "true or false" : field.type === "select" || field.type === "radio" ? "One of the option values." : undefined} />
        ) : null}
        {allowed.has("rows") ? <TextField name={`${path}.rows`} label="Rows" inputMode="numeric" value={field.rows} onValue={set("rows")} error={err("rows")} /> : null}
        {allowed.has("pattern") ? <TextField name={`${path}.pattern`} label="Pattern (regular expression)" value={field.pattern} onValue={set("pattern")} error={err("pattern")} /> : null}
        {allowed.has("min") ? <TextField name={`${path}.min`} label={field.type === "number" ? "Minimum" : "Minimum length"} inputMode="decimal" value={field.min} onValue={set("min")} error={err("min")} /> : null}
        {allowed.has("max") ? <TextField name={`${path}.max`} label={field.type === "number" ? "Maximum" : "Maximum length"} inputMode="decimal" value={field.max} onValue={set("max")} error={err("max")} /> : null}
      </div>
      <TextField name={`${path}.help_text`} label="Help text" value={field.help_text} onValue={set("help_text")} error={err("help_text")} />
      <SelectField name={`${path}.width`} label="Width" value={field.width} options={WIDTHS}
        onValue={(w) => set("width")(w === "half" || w === "full" ? w : "")} error={err("width")} />
    </div>
  );
}
