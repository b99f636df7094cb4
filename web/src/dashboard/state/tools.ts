// The Tools page's pure logic: a tool's form values (strings, as typed) ↔ the API's tool, its
// input_schema ↔ an editable property list, and the Test form's arguments from a schema.
// Checks here only help while typing; the server's 400 `errors` are the authority and land on
// the same keys (toolFieldErrors, argumentErrors).
import type { CharacterTool, HttpToolConfig, McpToolConfig } from "../api/client";
import { type FieldErrorItem, mapFieldErrors } from "../api/errors";

/** Stands for a stored header value in the API's answers; sent back, it keeps the value. */
export const SECRET_MASK = "********";
export const TOOL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;
export const RESERVED_TOOL_NAMES = ["show_form", "end_call"];
const HEADER_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const URL_RE = /^https?:\/\/[^\s/?#]+/i;

export type ToolKind = CharacterTool["kind"];
export const HTTP_METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"] as const;
export const MCP_TRANSPORTS = ["streamable-http", "sse"] as const;
/** The types a property of the list can have (anything else is edited as JSON). */
export const PROPERTY_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = Record<string, unknown>;

// ------------------------------------------------------------------ input_schema ↔ properties

/** One property of an object schema, as the list edits it. */
export interface PropertyRow {
  name: string;
  type: PropertyType;
  description: string;
  required: boolean;
  /** Allowed values, comma-separated ("" for any value). */
  enum: string;
  /** The property's other keywords (format, minimum, items…), kept as they are. */
  extra: JsonObject;
}

/** An object schema as a property list, plus the root keywords the list does not show. */
export interface PropertyList {
  rows: PropertyRow[];
  extra: JsonObject;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isPropertyType(v: unknown): v is PropertyType {
  return typeof v === "string" && (PROPERTY_TYPES as readonly string[]).includes(v);
}

/** Whether a list of allowed values fits the text field (comma-separated, typed like `type`). */
function enumText(values: unknown[], type: PropertyType): string | null {
  if (type === "string" && values.every((v) => typeof v === "string" && v !== "" && v === v.trim() && !v.includes(","))) {
    return values.join(", ");
  }
  if ((type === "number" || type === "integer") && values.every((v) => typeof v === "number" && Number.isFinite(v) && (type === "number" || Number.isInteger(v)))) {
    return values.join(", ");
  }
  return null;
}

/**
 * The property list of an object schema, or why the list cannot show it (then it is edited as
 * JSON). Nothing is lost: keywords the list does not edit are kept in `extra`.
 */
export function schemaToProperties(schema: unknown): PropertyList | { reason: string } {
  if (!isObject(schema) || schema.type !== "object") return { reason: 'the schema is not an object schema ("type": "object")' };
  const { type: _type, properties = {}, required = [], ...extra } = schema;
  if (!isObject(properties)) return { reason: '"properties" is not an object' };
  if (!Array.isArray(required) || !required.every((r): r is string => typeof r === "string")) {
    return { reason: '"required" is not a list of names' };
  }
  const missing = required.find((r) => !(r in properties));
  if (missing !== undefined) return { reason: `"required" names “${missing}”, which is not a property` };
  const rows: PropertyRow[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    if (!isObject(prop)) return { reason: `property “${name}” is not an object` };
    const { type, description, enum: values, ...rest } = prop;
    if (!isPropertyType(type)) return { reason: `property “${name}” has no single type the list knows` };
    if (description !== undefined && typeof description !== "string") return { reason: `the description of “${name}” is not text` };
    let allowed = "";
    if (values !== undefined) {
      const text = Array.isArray(values) && values.length ? enumText(values, type) : null;
      if (text === null) return { reason: `the allowed values of “${name}” cannot be written as a comma-separated list` };
      allowed = text;
    }
    rows.push({ name, type, description: description ?? "", required: required.includes(name), enum: allowed, extra: rest });
  }
  return { rows, extra };
}

/** Allowed values typed for a property: the list, or an error message. */
export function parseEnum(text: string, type: PropertyType): Json[] | string {
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (type === "string") return parts;
  if (type === "number" || type === "integer") {
    const numbers = parts.map(Number);
    const bad = parts.find((p, i) => !Number.isFinite(numbers[i]) || (type === "integer" && !Number.isInteger(numbers[i])));
    return bad === undefined ? numbers : `“${bad}” is not ${type === "integer" ? "a whole number" : "a number"}.`;
  }
  return parts.length ? `A ${type} property cannot have a list of allowed values.` : [];
}

/** Problems in a property list, keyed `properties[i].name` / `properties[i].enum`. */
export function checkProperties(rows: readonly PropertyRow[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (!name) errors[`properties[${i}].name`] = "Enter a name.";
    else if (seen.has(name)) errors[`properties[${i}].name`] = `“${name}” is already a property.`;
    seen.add(name);
    const values = parseEnum(row.enum, row.type);
    if (typeof values === "string") errors[`properties[${i}].enum`] = values;
  });
  return errors;
}

/** The object schema of a property list (assumes checkProperties found nothing). */
export function propertiesToSchema(list: PropertyList): JsonObject {
  const properties: JsonObject = {};
  for (const row of list.rows) {
    const prop: JsonObject = { type: row.type };
    if (row.description.trim()) prop.description = row.description.trim();
    const values = parseEnum(row.enum, row.type);
    if (Array.isArray(values) && values.length) prop.enum = values;
    properties[row.name.trim()] = { ...prop, ...row.extra };
  }
  const required = list.rows.filter((r) => r.required).map((r) => r.name.trim());
  return { type: "object", ...list.extra, properties, ...(required.length ? { required } : {}) };
}

export function newProperty(): PropertyRow {
  return { name: "", type: "string", description: "", required: false, enum: "", extra: {} };
}

// ------------------------------------------------------------------ tool ↔ form values

export interface HeaderRow {
  name: string;
  /** A new value; "" keeps the stored one (when `stored`). */
  value: string;
  /** The header's name as saved when the API holds a value for it (shown as the mask). */
  stored: string | null;
}

export interface ToolFormValues {
  kind: ToolKind;
  name: string;
  description: string;
  enabled: boolean;
  url: string;
  method: string;
  transport: string;
  timeout: string;
  top_k: string;
  headers: HeaderRow[];
  /** The schema is edited as a property list or as JSON text. */
  schemaMode: "list" | "json";
  properties: PropertyRow[];
  schemaExtra: JsonObject;
  schemaJson: string;
}

/** The editor's fields the API's error paths (after `tools[i].`) are mapped onto; others go to the banner. */
export const TOOL_FORM_KEYS = [
  "name", "description", "input_schema", "config.url", "config.method", "config.transport",
  "config.timeout_seconds", "config.top_k", "config.headers",
];

export const KIND_LABELS: Record<ToolKind, string> = {
  http: "HTTP API",
  mcp: "MCP server",
  kb: "Knowledge base",
};

function schemaValues(schema: unknown): Pick<ToolFormValues, "schemaMode" | "properties" | "schemaExtra" | "schemaJson"> {
  const list = schemaToProperties(schema);
  const json = JSON.stringify(schema, null, 2);
  if ("reason" in list) return { schemaMode: "json", properties: [], schemaExtra: {}, schemaJson: json };
  return { schemaMode: "list", properties: list.rows, schemaExtra: list.extra, schemaJson: json };
}

export function newToolValues(kind: ToolKind): ToolFormValues {
  return {
    kind,
    name: "",
    description: "",
    enabled: true,
    url: "",
    method: "POST",
    transport: "streamable-http",
    timeout: "10",
    top_k: "4",
    headers: [],
    ...schemaValues({ type: "object", properties: {} }),
  };
}

export function valuesFromTool(tool: CharacterTool): ToolFormValues {
  const config = (tool.config ?? {}) as JsonObject;
  const text = (key: string, fallback: string): string => {
    const v = config[key];
    return v === undefined || v === null ? fallback : String(v);
  };
  const headers = isObject(config.headers) ? config.headers : {};
  return {
    ...newToolValues(tool.kind),
    name: tool.name,
    description: tool.description ?? "",
    enabled: tool.enabled ?? true,
    url: text("url", ""),
    method: text("method", "POST"),
    transport: text("transport", "streamable-http"),
    timeout: text("timeout_seconds", "10"),
    top_k: text("top_k", "4"),
    headers: Object.entries(headers).map(([name, value]) =>
      value === SECRET_MASK ? { name, value: "", stored: name } : { name, value: String(value), stored: null },
    ),
    ...schemaValues(tool.input_schema ?? { type: "object", properties: {} }),
  };
}

/** The values without typed header values: what a draft may keep in sessionStorage. */
export function withoutHeaderValues(v: ToolFormValues): ToolFormValues {
  return { ...v, headers: v.headers.map((h) => ({ ...h, value: "" })) };
}

/** The schema being edited: from the list or the JSON text (an error message if the text is not JSON). */
export function editedSchema(v: ToolFormValues): JsonObject | string {
  if (v.schemaMode === "list") return propertiesToSchema({ rows: v.properties, extra: v.schemaExtra });
  let parsed: unknown;
  try {
    parsed = JSON.parse(v.schemaJson);
  } catch (err) {
    return `Not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!isObject(parsed) || parsed.type !== "object") return 'The schema must be a JSON object with "type": "object".';
  return parsed;
}

/** Switch the schema editor to JSON or back to the list; an error message when it cannot. */
export function switchSchemaMode(v: ToolFormValues, mode: "list" | "json"): ToolFormValues | string {
  if (mode === v.schemaMode) return v;
  if (mode === "json") {
    const problems = Object.values(checkProperties(v.properties));
    if (problems.length) return `Fix the property list first: ${problems.join(" ")}`;
    const schema = propertiesToSchema({ rows: v.properties, extra: v.schemaExtra });
    return { ...v, schemaMode: "json", schemaJson: JSON.stringify(schema, null, 2) };
  }
  const schema = editedSchema(v);
  if (typeof schema === "string") return schema;
  const list = schemaToProperties(schema);
  if ("reason" in list) return `The property list cannot show this schema (${list.reason}); keep editing it as JSON.`;
  return { ...v, schemaMode: "list", properties: list.rows, schemaExtra: list.extra };
}

/**
 * Problems found before sending, keyed like TOOL_FORM_KEYS plus `headers[i]` and
 * `properties[i].…`. `original` is the tool's saved name (null for a new tool), `others` the
 * names of the character's other tools.
 */
export function checkTool(v: ToolFormValues, original: string | null, others: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const name = v.name.trim();
  if (!TOOL_NAME_RE.test(name)) {
    errors.name = "1–64 letters, digits, _ and -, not starting with a digit or - (e.g. lookup_ticket).";
  } else if (RESERVED_TOOL_NAMES.includes(name)) {
    errors.name = `“${name}” is a built-in tool's name.`;
  } else if (others.includes(name)) {
    errors.name = `This agent already has a tool named “${name}”.`;
  }
  if (v.kind !== "kb") {
    if (!URL_RE.test(v.url.trim())) errors["config.url"] = "Enter an absolute http(s) URL, e.g. https://www.example.com/api/tickets.";
    const t = Number(v.timeout);
    if (!v.timeout.trim() || !(t > 0 && t <= 60)) errors["config.timeout_seconds"] = "Enter a number of seconds above 0, at most 60.";
  } else if (!/^\d+$/.test(v.top_k.trim()) || Number(v.top_k) < 1 || Number(v.top_k) > 20) {
    errors["config.top_k"] = "Enter a whole number from 1 to 20.";
  }
  const renamed = original !== null && original !== name;
  const seen = new Set<string>();
  v.headers.forEach((h, i) => {
    const header = h.name.trim();
    const key = `headers[${i}]`;
    if (!header && !h.value) return;
    if (!header) errors[key] = "Enter the header's name.";
    else if (!HEADER_NAME_RE.test(header)) errors[key] = "A header name has no spaces or separators (e.g. X-Api-Key).";
    else if (seen.has(header.toLowerCase())) errors[key] = `“${header}” is already set.`;
    else if (!h.value) {
      const keeps = h.stored !== null && h.stored.toLowerCase() === header.toLowerCase() && !renamed;
      if (!keeps) errors[key] = h.stored !== null ? "Type the value again: a renamed header or tool keeps no stored value." : "Enter a value.";
    }
    seen.add(header.toLowerCase());
  });
  if (v.kind !== "mcp") {
    if (v.schemaMode === "list") Object.assign(errors, checkProperties(v.properties));
    else {
      const schema = editedSchema(v);
      if (typeof schema === "string") errors.input_schema = schema;
    }
  }
  return errors;
}

/** The API's tool for these values (assumes checkTool found nothing). Stored headers left blank are sent as the mask. */
export function toolFromValues(v: ToolFormValues): CharacterTool {
  const headers: Record<string, string> = {};
  for (const h of v.headers) {
    if (h.name.trim()) headers[h.name.trim()] = h.value || SECRET_MASK;
  }
  const schema = editedSchema(v);
  const base = {
    name: v.name.trim(),
    kind: v.kind,
    description: v.description.trim(),
    enabled: v.enabled,
    // An mcp tool's own schema is not used (its server's tools have theirs): kept as it was.
    input_schema: typeof schema === "string" ? { type: "object", properties: {} } : schema,
  };
  if (v.kind === "kb") return { ...base, config: { top_k: Number(v.top_k) } };
  const common = { url: v.url.trim(), headers, timeout_seconds: Number(v.timeout) };
  if (v.kind === "http") return { ...base, config: { ...common, method: v.method as HttpToolConfig["method"] } };
  return { ...base, config: { ...common, transport: v.transport as McpToolConfig["transport"] } };
}

/** The list to PATCH: `tool` replacing the one saved as `original`, or added at the end. */
export function replaceTool(tools: readonly CharacterTool[], original: string | null, tool: CharacterTool): { tools: CharacterTool[]; index: number } {
  const at = original === null ? -1 : tools.findIndex((t) => t.name === original);
  if (at < 0) return { tools: [...tools, tool], index: tools.length };
  return { tools: tools.map((t, i) => (i === at ? tool : t)), index: at };
}

/**
 * The API's field errors for the tool at `index`, on the editor's keys (a header error on its
 * row, `headers[i]`); the rest (other tools, other fields) for the banner.
 */
export function toolFieldErrors(errors: readonly FieldErrorItem[], index: number, v: ToolFormValues): { fields: Record<string, string>; rest: string[] } {
  const prefix = `tools[${index}].`;
  const mine = errors.filter((e) => e.field.startsWith(prefix)).map((e) => ({ ...e, field: e.field.slice(prefix.length) }));
  const rows = v.headers.map((h, i) => [`config.headers.${h.name.trim()}`, `headers[${i}]`] as const);
  const mapped = mapFieldErrors(mine, [...TOOL_FORM_KEYS, ...rows.map(([path]) => path)]);
  const fields: Record<string, string> = {};
  for (const [key, message] of Object.entries(mapped.fields)) {
    fields[rows.find(([path]) => path === key)?.[1] ?? key] = message;
  }
  const rest = [...errors.filter((e) => !e.field.startsWith(prefix)).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)), ...mapped.rest];
  return { fields, rest };
}

/** A line about a saved tool for the list: where it goes. */
export function toolSummary(tool: CharacterTool): string {
  const c = (tool.config ?? {}) as JsonObject;
  if (tool.kind === "kb") return `Searches the knowledge base (${String(c.top_k ?? 4)} passages)`;
  const method = tool.kind === "http" ? `${String(c.method ?? "POST")} ` : "";
  return `${method}${String(c.url ?? "")}`;
}

// ------------------------------------------------------------------ Test form arguments

/** One labelled input of the Test form. `json`: typed as JSON text (arrays, objects, unions). */
export interface ArgumentField {
  name: string;
  type: "string" | "number" | "integer" | "boolean" | "json";
  description: string;
  required: boolean;
  /** Allowed values: the select's options. */
  options: Json[] | null;
}

/** A kb tool with no properties asks for a `query` (as the call does, voice/tools/kb.py). */
const KB_DEFAULT_SCHEMA = {
  type: "object",
  properties: { query: { type: "string", description: "What to look up, in a few words." } },
  required: ["query"],
};

/** The schema the arguments are checked against when `tool` runs. */
export function argumentsSchema(tool: Pick<CharacterTool, "kind" | "input_schema">): unknown {
  const schema = tool.input_schema ?? {};
  if (tool.kind === "kb" && !(isObject(schema.properties) && Object.keys(schema.properties).length)) return KB_DEFAULT_SCHEMA;
  return schema;
}

function fieldType(prop: JsonObject): ArgumentField["type"] {
  let type = prop.type;
  if (Array.isArray(type)) {
    const real = type.filter((t) => t !== "null");
    type = real.length === 1 ? real[0] : undefined;
  }
  return type === "string" || type === "number" || type === "integer" || type === "boolean" ? type : "json";
}

/** One field per property of an object schema (MCP servers' schemas included). */
export function argumentFields(schema: unknown): ArgumentField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(schema.properties).map(([name, raw]) => {
    const prop = isObject(raw) ? raw : {};
    const options = Array.isArray(prop.enum) && prop.enum.length ? (prop.enum as Json[]) : null;
    return {
      name,
      type: options ? "json" : fieldType(prop),
      description: typeof prop.description === "string" ? prop.description : "",
      required: required.includes(name),
      options,
    };
  });
}

/**
 * The arguments typed into the Test form, coerced to each field's type. Empty fields are left
 * out. `values` holds text; an enum's select holds the JSON of the chosen value.
 */
export function coerceArguments(fields: readonly ArgumentField[], values: Readonly<Record<string, string>>): { args: JsonObject; errors: Record<string, string> } {
  const args: JsonObject = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name] ?? "";
    const text = f.type === "string" && !f.options ? raw : raw.trim();
    if (text === "") {
      if (f.required) errors[f.name] = "Required.";
      continue;
    }
    if (f.type === "string") args[f.name] = text;
    else if (f.type === "number" || f.type === "integer") {
      const n = Number(text);
      if (f.type === "integer" && !Number.isInteger(n)) errors[f.name] = "Enter a whole number.";
      else if (!Number.isFinite(n)) errors[f.name] = "Enter a number.";
      else args[f.name] = n;
    } else if (f.type === "boolean") {
      if (text === "true" || text === "false") args[f.name] = text === "true";
      else errors[f.name] = "Choose true or false.";
    } else {
      try {
        args[f.name] = JSON.parse(text) as Json;
      } catch {
        errors[f.name] = 'Enter JSON, e.g. ["a", "b"], {"key": "value"} or "text".';
      }
    }
  }
  return { args, errors };
}

/** The Test's 400 field errors (`arguments.ticket_id`) on the argument names; the rest for the banner. */
export function argumentErrors(errors: readonly FieldErrorItem[], fields: readonly ArgumentField[]): { fields: Record<string, string>; rest: string[] } {
  const mapped = mapFieldErrors(errors, fields.map((f) => `arguments.${f.name}`));
  const out: Record<string, string> = {};
  for (const [key, message] of Object.entries(mapped.fields)) out[key.slice("arguments.".length)] = message;
  return { fields: out, rest: mapped.rest };
}

/** A response body for reading: JSON indented, anything else as it came. */
export function prettyBody(body: string, contentType: string | null | undefined): string {
  if (!/json/i.test(contentType ?? "")) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body; // truncated or not JSON after all
  }
}
