import { useMutation, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { ApiError, mapFieldErrors } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { TextField } from "../components/fields";
import { useDraft, useServices } from "../context";
import { SLUG_RE, slugify } from "../state/agent-form";
import { TEMPLATES, templateById } from "../state/templates";

interface NewAgentDraft {
  template: string;
  name: string;
  slug: string;
  slugEdited: boolean;
}

export function NewAgentPage() {
  const { api } = useServices();
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [draft, setDraft, clearDraft] = useDraft<NewAgentDraft>("agent-new", () => ({
    template: "blank", name: "", slug: "", slugEdited: false,
  }));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const create = useMutation({
    mutationFn: () => api.createAgent({ ...templateById(draft.template).body, name: draft.name.trim(), slug: draft.slug }),
    onSuccess: (agent) => {
      clearDraft();
      void queries.invalidateQueries({ queryKey: ["agents"] });
      queries.setQueryData(["agent", agent.slug], agent);
      navigate(`/agents/${agent.slug}`);
    },
    onError: (err) => {
      if (err instanceof ApiError && err.errors.length) {
        const mapped = mapFieldErrors(err.errors, ["name", "slug"]);
        setFields(mapped.fields);
        setError(mapped.rest.length ? `${err.detail} ${mapped.rest.join(" ")}` : "");
      } else if (err instanceof ApiError && err.status === 409) {
        setFields({ slug: err.detail });
        setError("");
      } else {
        setError(errorText(err));
      }
    },
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!draft.name.trim()) local.name = "Enter a name.";
    if (!SLUG_RE.test(draft.slug)) local.slug = "2–63 characters: lowercase letters, digits and hyphens, starting with a letter or digit.";
    setFields(local);
    setError("");
    if (!Object.keys(local).length) create.mutate();
  };
  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / New</p>
      <h1>New agent</h1>
      <form class="card form" onSubmit={submit} noValidate>
        {error ? <Banner>{error}</Banner> : null}
        <fieldset class="templates">
          <legend>Start from</legend>
          {TEMPLATES.map((t) => (
            <label key={t.id} class={draft.template === t.id ? "template selected" : "template"}>
              <input type="radio" name="template" value={t.id} checked={draft.template === t.id}
                aria-labelledby={`tpl-${t.id}`} aria-describedby={`tpl-${t.id}-summary`}
                onChange={() => setDraft({ ...draft, template: t.id })} />
              <span class="t-title" id={`tpl-${t.id}`}>{t.title}</span>
              <span class="t-summary" id={`tpl-${t.id}-summary`}>{t.summary}</span>
            </label>
          ))}
        </fieldset>
        <TextField name="name" label="Name" value={draft.name} error={fields.name} required
          onValue={(name) => setDraft({ ...draft, name, slug: draft.slugEdited ? draft.slug : slugify(name) })} />
        <TextField name="slug" label="Slug" value={draft.slug} error={fields.slug} required
          hint="Used in the embed tag (data-agent) and in URLs. It cannot be changed later."
          onValue={(slug) => setDraft({ ...draft, slug, slugEdited: true })} />
        <div class="actions">
          <button type="submit" disabled={create.isPending}>{create.isPending ? "Creating…" : "Create agent"}</button>
          <Link class="button secondary" href="/agents">Cancel</Link>
        </div>
      </form>
    </>
  );
}
