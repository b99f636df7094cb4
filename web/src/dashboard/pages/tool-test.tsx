// The Test panel of one saved tool: arguments typed into inputs built from its input_schema
// (an mcp tool: from the chosen server tool's), one run through the server's egress path
// (POST …/tools/{name}/test/), and its status, duration and body or the exact error.
import { useMutation } from "@tanstack/preact-query";
import { useEffect, useMemo, useState } from "preact/hooks";
import { Fragment } from "preact";
import type { CharacterTool, McpToolsOut, ToolTestIn, ToolTestOut } from "../api/client";
import { ApiError } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { SelectField, TextArea, TextField } from "../components/fields";
import { useServices } from "../context";
import { type ArgumentField, argumentErrors, argumentFields, argumentsSchema, coerceArguments, prettyBody } from "../state/tools";

interface Props {
  slug: string;
  tool: CharacterTool;
  /** The tool has unsaved edits (the test runs the saved version). */
  edited: boolean;
  onClose: () => void;
}

export function ToolTest({ slug, tool, edited, onClose }: Props) {
  const { api } = useServices();
  const [values, setValues] = useState<Record<string, string>>({});
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [serverTool, setServerTool] = useState("");

  const listing = useMutation({
    mutationFn: () => api.mcpTools(slug, tool.name),
    onSuccess: (out) => {
      const names = (out.tools ?? []).map((t) => t.name);
      if (!names.includes(serverTool)) setServerTool(names[0] ?? "");
    },
  });
  const isMcp = tool.kind === "mcp";
  useEffect(() => {
    if (isMcp) listing.mutate();
  }, [isMcp]);

  const remote = listing.data?.tools?.find((t) => t.name === serverTool);
  const schema = isMcp ? remote?.input_schema : argumentsSchema(tool);
  const args = useMemo(() => argumentFields(schema), [schema]);

  const run = useMutation({
    mutationFn: (body: ToolTestIn) => api.testTool(slug, tool.name, body),
    onSuccess: () => setError(""),
    onError: (err) => {
      const mapped = argumentErrors(err instanceof ApiError ? err.errors : [], args);
      setFields(mapped.fields);
      setError(errorText(err, mapped.rest));
    },
  });

  const submit = (e: Event): void => {
    e.preventDefault();
    const { args: typed, errors } = coerceArguments(args, values);
    setFields(errors);
    if (Object.keys(errors).length) {
      setError("Some arguments need a fix before the test.");
      return;
    }
    setError("");
    run.reset();
    run.mutate(isMcp ? { arguments: typed, mcp_tool: serverTool } : { arguments: typed });
  };
  const setValue = (name: string) => (value: string): void => {
    setValues({ ...values, [name]: value });
    if (fields[name]) setFields({ ...fields, [name]: "" });
  };

  return (
    <section class="tool-test" aria-label={`Test ${tool.name}`}>
      <div class="section-head">
        <h3>Test {tool.name}</h3>
        <button type="button" class="secondary small" onClick={onClose}>Close</button>
      </div>
      <p class="hint">
        Runs the saved tool once, as a call would: through this server's outbound rules, with its stored headers.
        {edited ? <strong> You have unsaved changes to this tool: save them to test them.</strong> : null}
      </p>
      {isMcp ? (
        <ServerTools busy={listing.isPending} out={listing.data} error={listing.error} value={serverTool}
          onValue={(name) => { setServerTool(name); setValues({}); setFields({}); }} onList={() => listing.mutate()} />
      ) : null}
      {isMcp && !remote ? null : (
        <form onSubmit={submit} noValidate aria-label={`Arguments for ${tool.name}`}>
          {args.length ? args.map((f, i) => (
            <ArgumentInput key={f.name} index={i} field={f} value={values[f.name] ?? ""} error={fields[f.name]} onValue={setValue(f.name)} />
          )) : <p class="empty">This tool takes no arguments.</p>}
          {error ? <Banner>{error}</Banner> : null}
          <div class="actions">
            <button type="submit" disabled={run.isPending}>{run.isPending ? "Running…" : "Run test"}</button>
          </div>
        </form>
      )}
      {run.data ? <Outcome out={run.data} /> : null}
    </section>
  );
}

function ServerTools({ busy, out, error, value, onValue, onList }: {
  busy: boolean;
  out: McpToolsOut | undefined;
  error: unknown;
  value: string;
  onValue: (name: string) => void;
  onList: () => void;
}) {
  const tools = out?.tools ?? [];
  return (
    <div class="server-tools">
      <div class="section-head">
        <h4>The server's tools</h4>
        <button type="button" class="secondary small" onClick={onList} disabled={busy}>{busy ? "Listing…" : "List again"}</button>
      </div>
      <div role="status">
        {busy ? <p>Connecting to the MCP server…</p> : null}
        {error ? <Banner>{errorText(error)}</Banner> : null}
        {out && !out.ok && out.error ? (
          <p class="field-error test-error"><code>{out.error.code}</code> {out.error.message}</p>
        ) : null}
        {out?.ok ? <p class="meta">{tools.length} tool{tools.length === 1 ? "" : "s"} in {formatMs(out.duration_ms)}</p> : null}
      </div>
      {tools.length ? (
        <>
          <dl class="facts server-tool-list">
            {tools.map((t) => (
              <Fragment key={t.name}><dt><code>{t.name}</code></dt><dd>{t.description || "—"}</dd></Fragment>
            ))}
          </dl>
          <SelectField name="test.mcp_tool" label="Tool to call" value={value} onValue={onValue}
            options={tools.map((t) => ({ value: t.name, label: t.name }))} />
        </>
      ) : null}
    </div>
  );
}

const NOT_SENT = { value: "", label: "— not sent —" };

function ArgumentInput({ index, field, value, error, onValue }: {
  index: number;
  field: ArgumentField;
  value: string;
  error: string | undefined;
  onValue: (v: string) => void;
}) {
  const name = `arg.${index}`;
  const type = field.options ? "one of the allowed values" : field.type === "json" ? "JSON" : field.type;
  const hint = `${type}${field.required ? ", required" : ""}${field.description ? ` — ${field.description}` : ""}`;
  const common = { name, label: field.name, value, onValue, error, hint };
  if (field.options) {
    const options = field.options.map((o) => ({ value: JSON.stringify(o), label: typeof o === "string" ? o : JSON.stringify(o) }));
    return <SelectField {...common} options={[NOT_SENT, ...options]} />;
  }
  if (field.type === "boolean") {
    return <SelectField {...common} options={[NOT_SENT, { value: "true", label: "true" }, { value: "false", label: "false" }]} />;
  }
  if (field.type === "json") return <TextArea {...common} rows={2} placeholder='["a", "b"] or {"key": "value"}' />;
  const mode = field.type === "integer" ? "numeric" : field.type === "number" ? "decimal" : "text";
  return <TextField {...common} inputMode={mode} />;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function Outcome({ out }: { out: ToolTestOut }) {
  const body = out.body ?? "";
  return (
    <div class="test-result" id="test-result">
      <div role="status">
        <p class="test-summary">
          <span class={out.ok ? "badge ok" : "badge err"}>{out.ok ? "Worked" : "Failed"}</span>
          {out.status !== null && out.status !== undefined ? <span class="test-status">HTTP {out.status}</span> : null}
          <span>{formatMs(out.duration_ms)}</span>
          {out.content_type ? <span class="meta">{out.content_type}</span> : null}
        </p>
        {out.error ? <p class="field-error test-error"><code>{out.error.code}</code> {out.error.message}</p> : null}
        {out.error?.details?.length ? (
          <ul class="test-details">{out.error.details.map((d, i) => <li key={i}>{Object.values(d).join(": ")}</li>)}</ul>
        ) : null}
      </div>
      {body ? <pre class="test-body" tabIndex={0} aria-label="Response body">{prettyBody(body, out.content_type)}</pre> : null}
      {out.truncated ? <p class="hint">The body was cut: at most 16 KB is shown.</p> : null}
    </div>
  );
}
