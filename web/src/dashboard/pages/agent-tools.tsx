// /agents/:slug/tools: the agent's http, mcp and kb tools — list, add, edit, remove (each a
// PATCH of the whole `tools` list) and a Test panel per saved tool (./tool-test.tsx).
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useEffect, useRef, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { Agent, CharacterTool, SaveWarning } from "../api/client";
import { ApiError, mapFieldErrors } from "../api/errors";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { ConfirmDialog } from "../components/confirm";
import { Checkbox, SelectField, TextArea, TextField } from "../components/fields";
import { useDraft, useServices } from "../context";
import {
  HTTP_METHODS, KIND_LABELS, MCP_TRANSPORTS, PROPERTY_TYPES, checkTool, newProperty, newToolValues, replaceTool,
  switchSchemaMode, toolFieldErrors, toolFromValues, toolSummary, valuesFromTool, withoutHeaderValues,
  type HeaderRow, type PropertyRow, type PropertyType, type ToolFormValues, type ToolKind,
} from "../state/tools";
import { ToolTest } from "./tool-test";

/** The tool being added (`original` null) or edited, kept as a draft until saved. */
interface Editing {
  original: string | null;
  values: ToolFormValues;
}

/** One PATCH of the tool list: what to say when it worked, and which edited tool (index) its errors are about. */
interface Change {
  tools: CharacterTool[];
  index: number | null;
  done: string;
}

const KIND_HINTS: Record<ToolKind, string> = {
  http: "The agent's arguments are sent as JSON to your endpoint.",
  mcp: "The agent may call the tools of a remote MCP server.",
  kb: "Searches the documents of this agent's knowledge base.",
};

export function ToolsPage({ slug }: { slug: string }) {
  const { api } = useServices();
  const agent = useQuery({ queryKey: ["agent", slug], queryFn: () => api.getAgent(slug) });
  const notFound = agent.error instanceof ApiError && agent.error.status === 404;
  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / <Link href={`/agents/${encodeURIComponent(slug)}`}>{agent.data?.name ?? slug}</Link></p>
      <h1>Tools</h1>
      <AgentTabs slug={slug} />
      {agent.isPending ? <p role="status">Loading tools…</p> : null}
      {agent.isError ? <Banner>{notFound ? `There is no agent “${slug}” in your organization.` : errorText(agent.error)}</Banner> : null}
      {agent.data && agent.data.tools === null ? <Banner kind="info">Your role can see this agent but not its tools.</Banner> : null}
      {agent.data && agent.data.tools !== null ? <ToolsEditor key={slug} agent={agent.data} /> : null}
    </>
  );
}

function ToolsEditor({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const tools = agent.tools ?? [];
  // Typed header values (secrets) stay in memory: a reload of the tab asks for them again.
  const [editing, setEditing, resetEditing] = useDraft<Editing | null>(`tools:${agent.slug}`, () => null,
    (e) => e && { ...e, values: withoutHeaderValues(e.values) });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [pageError, setPageError] = useState("");
  const [notice, setNotice] = useState<{ text: string; warnings: SaveWarning[] } | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (change: Change) => api.updateAgent(agent.slug, { tools: change.tools }),
    onSuccess: (out, change) => {
      const { warnings, ...fresh } = out;
      queries.setQueryData(["agent", agent.slug], fresh);
      void queries.invalidateQueries({ queryKey: ["agents"] });
      resetEditing(null);
      setRemoving(null);
      setFields({});
      setError("");
      setPageError("");
      setNotice({ text: change.done, warnings: warnings ?? [] });
    },
    onError: (err, change) => {
      setRemoving(null);
      const errors = err instanceof ApiError ? err.errors : [];
      if (change.index === null || !editing) {
        setPageError(errorText(err, mapFieldErrors(errors, []).rest));
        return;
      }
      const mapped = toolFieldErrors(errors, change.index, editing.values);
      setFields(mapped.fields);
      setError(errorText(err, mapped.rest));
    },
  });

  const open = (next: Editing): void => {
    setEditing(next);
    setFields({});
    setError("");
    setPageError("");
    setNotice(null);
  };
  const submit = (): void => {
    if (!editing) return;
    const others = tools.map((t) => t.name).filter((n) => n !== editing.original);
    const local = checkTool(editing.values, editing.original, others);
    setFields(local);
    setNotice(null);
    if (Object.keys(local).length) {
      setError("Some fields need a fix before saving.");
      return;
    }
    setError("");
    const tool = toolFromValues(editing.values);
    const { tools: next, index } = replaceTool(tools, editing.original, tool);
    save.mutate({ tools: next, index, done: editing.original === null ? `Added ${tool.name}.` : `Saved ${tool.name}.` });
  };
  const remove = (name: string): void => {
    setNotice(null);
    setPageError("");
    if (testing === name) setTesting(null);
    if (editing?.original === name) resetEditing(null);
    save.mutate({ tools: tools.filter((t) => t.name !== name), index: null, done: `Removed ${name}.` });
  };

  return (
    <>
      {notice ? (
        <Banner kind={notice.warnings.length ? "info" : "success"}>
          {notice.text}{notice.warnings.map((w) => <span key={w.field} class="warning">{w.message}</span>)}
        </Banner>
      ) : null}
      {pageError ? <Banner>{pageError}</Banner> : null}
      <section class="card" aria-labelledby="tools-title">
        <div class="section-head">
          <h2 id="tools-title">{tools.length ? `${tools.length} tool${tools.length === 1 ? "" : "s"}` : "No tools yet"}</h2>
          <button type="button" onClick={() => open({ original: null, values: newToolValues("http") })} disabled={editing?.original === null}>
            Add tool
          </button>
        </div>
        {tools.length ? null : (
          <p class="empty">Tools let the agent call your HTTP APIs, an MCP server's tools and its knowledge base during a call.</p>
        )}
        {tools.length ? <ul class="tool-list" aria-label="Tools">
          {tools.map((tool) => (
            <li key={tool.name} class="tool-item">
              <div class="tool-head">
                <code class="tool-name">{tool.name}</code>
                <span class="badge">{KIND_LABELS[tool.kind]}</span>
                {tool.enabled === false ? <span class="badge warn">Off</span> : null}
              </div>
              <p class="meta">{toolSummary(tool)}</p>
              {tool.description ? <p>{tool.description}</p> : null}
              <div class="actions compact">
                <button type="button" class="secondary small" aria-label={`Edit ${tool.name}`}
                  onClick={() => open({ original: tool.name, values: valuesFromTool(tool) })}>Edit</button>
                <button type="button" class="secondary small" aria-label={`Test ${tool.name}`} aria-expanded={testing === tool.name}
                  onClick={() => setTesting(testing === tool.name ? null : tool.name)}>Test</button>
                <button type="button" class="danger secondary small" aria-label={`Remove ${tool.name}`} onClick={() => setRemoving(tool.name)}>Remove</button>
              </div>
              {testing === tool.name ? (
                <ToolTest slug={agent.slug} tool={tool} onClose={() => setTesting(null)}
                  edited={editing?.original === tool.name && JSON.stringify(editing.values) !== JSON.stringify(valuesFromTool(tool))} />
              ) : null}
            </li>
          ))}
        </ul> : null}
      </section>
      {editing ? (
        <ToolEditor
          editing={editing}
          fields={fields}
          error={error}
          busy={save.isPending}
          onValues={(values) => setEditing({ ...editing, values })}
          onEdited={(keys) => {
            if (keys.some((k) => fields[k])) setFields(Object.fromEntries(Object.entries(fields).filter(([k]) => !keys.includes(k))));
          }}
          onSave={submit}
          onCancel={() => { resetEditing(null); setFields({}); setError(""); }}
        />
      ) : null}
      <ConfirmDialog open={removing !== null} title={`Remove ${removing ?? ""}?`} confirmLabel="Remove" busy={save.isPending}
        onCancel={() => setRemoving(null)} onConfirm={() => removing && remove(removing)}>
        <p>The agent stops offering <code>{removing}</code> from its next call. Its stored header values are deleted.</p>
      </ConfirmDialog>
    </>
  );
}

interface EditorProps {
  editing: Editing;
  fields: Record<string, string>;
  error: string;
  busy: boolean;
  onValues: (v: ToolFormValues) => void;
  /** Keys whose errors the edit makes stale. */
  onEdited: (keys: string[]) => void;
  onSave: () => void;
  onCancel: () => void;
}

function ToolEditor({ editing, fields, error, busy, onValues, onEdited, onSave, onCancel }: EditorProps) {
  const v = editing.values;
  const heading = useRef<HTMLHeadingElement>(null);
  const [schemaNote, setSchemaNote] = useState("");
  useEffect(() => heading.current?.focus(), [editing.original]);
  const set = <K extends keyof ToolFormValues>(k: K, errorKey: string = k) => (value: ToolFormValues[K]): void => {
    onEdited([errorKey]);
    onValues({ ...v, [k]: value });
  };
  const setHeader = (i: number, patch: Partial<HeaderRow>): void => {
    onEdited([`headers[${i}]`]);
    onValues({ ...v, headers: v.headers.map((h, j) => (j === i ? { ...h, ...patch } : h)) });
  };
  const setProperty = <K extends keyof PropertyRow>(i: number, key: K) => (value: PropertyRow[K]): void => {
    onEdited([`properties[${i}].${key}`, "input_schema"]);
    onValues({ ...v, properties: v.properties.map((p, j) => (j === i ? { ...p, [key]: value } : p)) });
  };
  const switchMode = (mode: "list" | "json"): void => {
    const next = switchSchemaMode(v, mode);
    if (typeof next === "string") {
      setSchemaNote(next);
      return;
    }
    setSchemaNote("");
    onEdited(["input_schema"]);
    onValues(next);
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    onSave();
  };
  const title = editing.original === null ? "New tool" : `Edit ${editing.original}`;

  return (
    <form class="card form tool-editor" onSubmit={submit} noValidate aria-labelledby="tool-editor-title">
      <h2 id="tool-editor-title" ref={heading} tabIndex={-1}>{title}</h2>
      {error ? <Banner>{error}</Banner> : null}
      {editing.original === null ? (
        <fieldset class="templates">
          <legend>Kind</legend>
          {(Object.keys(KIND_LABELS) as ToolKind[]).map((kind) => (
            <label key={kind} class={v.kind === kind ? "template selected" : "template"}>
              <input type="radio" name="tool-kind" value={kind} checked={v.kind === kind} onChange={() => set("kind")(kind)}
                aria-labelledby={`kind-${kind}`} aria-describedby={`kind-${kind}-hint`} />
              <span class="t-title" id={`kind-${kind}`}>{KIND_LABELS[kind]}</span>
              <span class="t-summary" id={`kind-${kind}-hint`}>{KIND_HINTS[kind]}</span>
            </label>
          ))}
        </fieldset>
      ) : (
        <p class="meta">Kind: {KIND_LABELS[v.kind]}</p>
      )}
      <TextField name="tool.name" label="Tool name" value={v.name} onValue={set("name")} error={fields.name}
        hint="The function name the agent sees, e.g. lookup_ticket." />
      <TextArea name="tool.description" label="Tool description" rows={2} value={v.description} onValue={set("description")} error={fields.description}
        hint="Tells the agent what the tool does and when to use it." />
      <Checkbox name="tool.enabled" label="Offer this tool to the agent" checked={v.enabled} onChecked={set("enabled")} />

      {v.kind === "kb" ? (
        <TextField name="tool.top_k" label="Passages per search" inputMode="numeric" value={v.top_k} onValue={set("top_k", "config.top_k")} error={fields["config.top_k"]} />
      ) : (
        <fieldset>
          <legend>{v.kind === "http" ? "Endpoint" : "Server"}</legend>
          <TextField name="tool.url" label="URL" type="url" value={v.url} onValue={set("url", "config.url")} error={fields["config.url"]}
            placeholder={v.kind === "http" ? "https://www.example.com/api/tickets" : "https://www.example.com/mcp"} />
          <div class="grid2">
            {v.kind === "http" ? (
              <SelectField name="tool.method" label="Method" value={v.method} onValue={set("method", "config.method")} error={fields["config.method"]}
                options={HTTP_METHODS.map((m) => ({ value: m, label: m }))} hint="GET sends the arguments in the query string." />
            ) : (
              <SelectField name="tool.transport" label="Transport" value={v.transport} onValue={set("transport", "config.transport")} error={fields["config.transport"]}
                options={MCP_TRANSPORTS.map((t) => ({ value: t, label: t === "sse" ? "SSE (older servers)" : "Streamable HTTP" }))} />
            )}
            <TextField name="tool.timeout" label="Timeout (seconds)" inputMode="decimal" value={v.timeout} onValue={set("timeout", "config.timeout_seconds")} error={fields["config.timeout_seconds"]} />
          </div>
          <Headers rows={v.headers} fields={fields} onRow={setHeader}
            onRows={(headers) => { onEdited(["config.headers", ...v.headers.map((_, i) => `headers[${i}]`)]); onValues({ ...v, headers }); }} />
          {fields["config.headers"] ? <p class="field-error">{fields["config.headers"]}</p> : null}
        </fieldset>
      )}

      {v.kind === "mcp" ? (
        <p class="hint">The agent is offered the server's own tools, with their arguments. <strong>Test</strong> lists them once the tool is saved.</p>
      ) : (
        <fieldset class="schema">
          <legend>Arguments</legend>
          <div class="segmented" role="group" aria-label="Edit the arguments as">
            <button type="button" class="secondary small" aria-pressed={v.schemaMode === "list"} onClick={() => switchMode("list")}>Property list</button>
            <button type="button" class="secondary small" aria-pressed={v.schemaMode === "json"} onClick={() => switchMode("json")}>JSON</button>
          </div>
          {schemaNote ? <p class="field-error" role="alert">{schemaNote}</p> : null}
          {v.kind === "kb" ? <p class="hint">With no properties the agent sends a <code>query</code>.</p> : null}
          {v.schemaMode === "json" ? (
            <TextArea name="tool.input_schema" label="input_schema (JSON Schema)" rows={12} value={v.schemaJson}
              onValue={set("schemaJson", "input_schema")} error={fields.input_schema} hint={<>An object schema: <code>{'{"type": "object", "properties": {…}}'}</code></>} />
          ) : (
            <>
              {v.properties.map((p, i) => (
                <Property key={i} index={i} row={p} fields={fields} onValue={setProperty}
                  onRemove={() => { onEdited(["input_schema"]); onValues({ ...v, properties: v.properties.filter((_, j) => j !== i) }); }} />
              ))}
              {v.properties.length ? null : <p class="empty">No arguments: the agent calls this tool with an empty object.</p>}
              {fields.input_schema ? <p class="field-error" id="tool.input_schema-error">{fields.input_schema}</p> : null}
              <button type="button" class="secondary small" onClick={() => onValues({ ...v, properties: [...v.properties, newProperty()] })}>Add property</button>
            </>
          )}
        </fieldset>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save tool"}</button>
        <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function Headers({ rows, fields, onRow, onRows }: {
  rows: HeaderRow[];
  fields: Record<string, string>;
  onRow: (i: number, patch: Partial<HeaderRow>) => void;
  onRows: (rows: HeaderRow[]) => void;
}) {
  return (
    <fieldset class="headers">
      <legend class="sub">Headers</legend>
      <p class="hint">Sent with every request, e.g. an API key. Values are write-only: a saved value is kept until you type a new one.</p>
      {rows.map((h, i) => {
        const error = fields[`headers[${i}]`];
        return (
          <div key={i} class={error ? "header-row invalid" : "header-row"} role="group" aria-label={`Header ${i + 1}`}>
            <TextField name={`header.${i}.name`} label="Header name" value={h.name} onValue={(name) => onRow(i, { name })} placeholder="X-Api-Key" />
            <TextField name={`header.${i}.value`} label="Value" type="password" autoComplete="off" value={h.value} onValue={(value) => onRow(i, { value })}
              placeholder={h.stored !== null ? "•••••••• saved — type to replace" : ""} />
            <button type="button" class="secondary small" aria-label={`Remove header ${h.name || i + 1}`} onClick={() => onRows(rows.filter((_, j) => j !== i))}>Remove</button>
            {error ? <p class="field-error">{error}</p> : null}
          </div>
        );
      })}
      <button type="button" class="secondary small" onClick={() => onRows([...rows, { name: "", value: "", stored: null }])}>Add header</button>
    </fieldset>
  );
}

const TYPE_OPTIONS = PROPERTY_TYPES.map((t) => ({ value: t, label: t }));

function Property({ index: i, row, fields, onValue, onRemove }: {
  index: number;
  row: PropertyRow;
  fields: Record<string, string>;
  onValue: <K extends keyof PropertyRow>(i: number, key: K) => (value: PropertyRow[K]) => void;
  onRemove: () => void;
}) {
  const kept = Object.keys(row.extra);
  const hasEnum = row.type === "string" || row.type === "number" || row.type === "integer";
  return (
    <div class="prop-row" role="group" aria-label={`Property ${row.name || i + 1}`}>
      <TextField name={`prop.${i}.name`} label="Name" value={row.name} onValue={onValue(i, "name")} error={fields[`properties[${i}].name`]} />
      <SelectField name={`prop.${i}.type`} label="Type" value={row.type} onValue={(t) => onValue(i, "type")(t as PropertyType)} options={TYPE_OPTIONS} />
      <TextField name={`prop.${i}.description`} label="Description" value={row.description} onValue={onValue(i, "description")} />
      {hasEnum ? (
        <TextField name={`prop.${i}.enum`} label="Allowed values" value={row.enum} onValue={onValue(i, "enum")} error={fields[`properties[${i}].enum`]}
          placeholder="any" hint="Comma-separated; empty for any value." />
      ) : null}
      <Checkbox name={`prop.${i}.required`} label="Required" checked={row.required} onChecked={onValue(i, "required")} />
      <button type="button" class="secondary small" aria-label={`Remove property ${row.name || i + 1}`} onClick={onRemove}>Remove</button>
      {kept.length ? <p class="hint prop-kept">Also kept: {kept.map((k) => <code key={k}>{k}</code>)} (edit them as JSON).</p> : null}
    </div>
  );
}
