// The Tools page's pure logic: schema ↔ property list, tool ↔ form values, header masks,
// field errors, and the Test form's argument coercion.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CharacterTool } from "../src/dashboard/api/client";
import {
  SECRET_MASK, argumentErrors, argumentFields, argumentsSchema, checkProperties, checkTool, coerceArguments, editedSchema,
  newToolValues, parseEnum, prettyBody, propertiesToSchema, replaceTool, schemaToProperties, switchSchemaMode,
  toolFieldErrors, toolFromValues, toolSummary, valuesFromTool, withoutHeaderValues, type PropertyList, type ToolFormValues,
} from "../src/dashboard/state/tools";
import { DraftStore } from "../src/dashboard/state/drafts";
import { ApiError } from "../src/dashboard/api/errors";
import { errorText } from "../src/dashboard/components/banner";

const TICKET_SCHEMA = {
  type: "object",
  properties: {
    ticket_id: { type: "string", description: "e.g. TICKET-456", pattern: "^TICKET-\\d+$" },
    priority: { type: "string", enum: ["low", "high"] },
    count: { type: "integer", enum: [1, 2, 3], minimum: 1 },
    urgent: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["ticket_id"],
  additionalProperties: false,
};

const HTTP_TOOL: CharacterTool = {
  name: "lookup",
  kind: "http",
  description: "Find a ticket",
  enabled: true,
  input_schema: TICKET_SCHEMA,
  config: { url: "https://api.example.com/t", method: "GET", headers: { "X-Api-Key": SECRET_MASK }, timeout_seconds: 5 },
};

function list(schema: unknown): PropertyList {
  const out = schemaToProperties(schema);
  if ("reason" in out) throw new Error(out.reason);
  return out;
}

describe("input_schema ↔ property list", () => {
  it("shows each property with its type, description, required flag and allowed values", () => {
    const { rows, extra } = list(TICKET_SCHEMA);
    expect(rows.map((r) => [r.name, r.type, r.required, r.enum])).toEqual([
      ["ticket_id", "string", true, ""],
      ["priority", "string", false, "low, high"],
      ["count", "integer", false, "1, 2, 3"],
      ["urgent", "boolean", false, ""],
      ["tags", "array", false, ""],
    ]);
    expect(rows[0]?.description).toBe("e.g. TICKET-456");
    expect(rows[0]?.extra).toEqual({ pattern: "^TICKET-\\d+$" });
    expect(rows[4]?.extra).toEqual({ items: { type: "string" } });
    expect(extra).toEqual({ additionalProperties: false });
  });

  it("gives back the same schema, keywords it does not edit included", () => {
    expect(propertiesToSchema(list(TICKET_SCHEMA))).toEqual(TICKET_SCHEMA);
  });

  it("round-trips any schema it accepts", () => {
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,6}[A-Za-z0-9]$/);
    const prop = fc.oneof(
      fc.record({ type: fc.constant("string"), description: word, enum: fc.uniqueArray(word, { minLength: 1, maxLength: 3 }), format: fc.constant("email") }, { requiredKeys: ["type"] }),
      fc.record({ type: fc.constantFrom("number", "integer"), enum: fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 3 }), minimum: fc.integer() }, { requiredKeys: ["type"] }),
      fc.record({ type: fc.constantFrom("boolean", "object"), description: word }, { requiredKeys: ["type"] }),
      fc.record({ type: fc.constant("array"), items: fc.constant({ type: "string" }) }),
    );
    // `required: []` and a missing `properties` are written back as absent / `{}`: not generated.
    const schema = fc.dictionary(name, prop, { maxKeys: 5 }).chain((properties) => {
      const names = Object.keys(properties);
      return fc.record({
        type: fc.constant("object"),
        properties: fc.constant(properties),
        required: names.length ? fc.subarray(names, { minLength: 1 }) : fc.constant(undefined),
        title: word,
      }, { requiredKeys: ["type", "properties"] }).map((s) => (s.required ? s : { type: s.type, properties: s.properties, ...(s.title ? { title: s.title } : {}) }));
    });
    fc.assert(fc.property(schema, (s) => {
      expect(propertiesToSchema(list(s))).toEqual(s);
      const again = list(propertiesToSchema(list(s)));
      expect(again).toEqual(list(s));
    }));
  });

  it("refuses what the list cannot show, saying why", () => {
    const reason = (s: unknown): string => {
      const out = schemaToProperties(s);
      return "reason" in out ? out.reason : "";
    };
    expect(reason({ type: "array" })).toMatch(/not an object schema/);
    expect(reason({ type: "object", properties: { a: { anyOf: [{ type: "string" }] } } })).toMatch(/“a” has no single type/);
    expect(reason({ type: "object", properties: { a: { type: ["string", "null"] } } })).toMatch(/“a”/);
    expect(reason({ type: "object", properties: { a: { type: "string", enum: ["x, y"] } } })).toMatch(/comma-separated/);
    expect(reason({ type: "object", properties: { a: { type: "boolean", enum: [true] } } })).toMatch(/allowed values/);
    expect(reason({ type: "object", properties: {}, required: ["b"] })).toMatch(/“b”, which is not a property/);
  });

  it("types allowed values and checks the rows", () => {
    expect(parseEnum(" a, b ,, c", "string")).toEqual(["a", "b", "c"]);
    expect(parseEnum("1, 2.5", "number")).toEqual([1, 2.5]);
    expect(parseEnum("1, 2.5", "integer")).toBe("“2.5” is not a whole number.");
    expect(parseEnum("x", "boolean")).toMatch(/cannot have a list/);
    const rows = [
      { name: "a", type: "integer" as const, description: "", required: true, enum: "1, x", extra: {} },
      { name: "a", type: "string" as const, description: "", required: false, enum: "", extra: {} },
      { name: " ", type: "string" as const, description: "", required: false, enum: "", extra: {} },
    ];
    expect(checkProperties(rows)).toEqual({
      "properties[0].enum": "“x” is not a whole number.",
      "properties[1].name": "“a” is already a property.",
      "properties[2].name": "Enter a name.",
    });
  });

  it("switches to JSON and back, and stays in JSON when the list cannot show the schema", () => {
    const v = valuesFromTool(HTTP_TOOL);
    expect(v.schemaMode).toBe("list");
    const json = switchSchemaMode(v, "json") as ToolFormValues;
    expect(JSON.parse(json.schemaJson)).toEqual(TICKET_SCHEMA);
    const back = switchSchemaMode(json, "list") as ToolFormValues;
    expect(back.properties).toEqual(v.properties);
    expect(switchSchemaMode({ ...json, schemaJson: "{ nope" }, "list")).toMatch(/^Not valid JSON/);
    const union = { ...json, schemaJson: JSON.stringify({ type: "object", properties: { a: { oneOf: [] } } }) };
    expect(switchSchemaMode(union, "list")).toMatch(/keep editing it as JSON/);
    const bad = { ...v, properties: [{ ...v.properties[0]!, name: "" }] };
    expect(switchSchemaMode(bad, "json")).toMatch(/Fix the property list first/);
  });

  it("opens a schema the list cannot show in JSON", () => {
    const v = valuesFromTool({ ...HTTP_TOOL, input_schema: { type: "object", properties: { q: { type: ["string", "null"] } } } });
    expect(v.schemaMode).toBe("json");
    expect(editedSchema(v)).toEqual({ type: "object", properties: { q: { type: ["string", "null"] } } });
    expect(editedSchema({ ...v, schemaJson: "[]" })).toMatch(/"type": "object"/);
  });
});

describe("tool ↔ form values", () => {
  it("reads a tool and writes the same tool back, stored headers as the mask", () => {
    const v = valuesFromTool(HTTP_TOOL);
    expect(v.headers).toEqual([{ name: "X-Api-Key", value: "", stored: "X-Api-Key" }]);
    expect(v.timeout).toBe("5");
    expect(checkTool(v, "lookup", [])).toEqual({});
    expect(toolFromValues(v)).toEqual(HTTP_TOOL);
  });

  it("sends a typed header value instead of the mask", () => {
    const v = valuesFromTool(HTTP_TOOL);
    v.headers = [{ name: "X-Api-Key", value: "new-secret", stored: "X-Api-Key" }, { name: "X-Team", value: "blue", stored: null }];
    const config = toolFromValues(v).config as { headers: Record<string, string> };
    expect(config.headers).toEqual({ "X-Api-Key": "new-secret", "X-Team": "blue" });
  });

  it("keeps typed header values out of sessionStorage, in memory only", () => {
    const v = valuesFromTool(HTTP_TOOL);
    v.headers.push({ name: "X-Team", value: "typed-secret", stored: null });
    const storage = new Map<string, string>();
    const drafts = new DraftStore({
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, val) => void storage.set(k, val),
      removeItem: (k) => void storage.delete(k),
    });
    drafts.set("tools:x", v, withoutHeaderValues(v));
    expect([...storage.values()].join()).not.toContain("typed-secret");
    expect(drafts.get<ToolFormValues>("tools:x")?.headers[1]?.value).toBe("typed-secret");
    const reloaded = new DraftStore({ getItem: (k) => storage.get(k) ?? null, setItem: () => undefined, removeItem: () => undefined });
    expect(reloaded.get<ToolFormValues>("tools:x")?.headers.map((h) => h.value)).toEqual(["", ""]);
  });

  it("asks for a stored header again when the tool or the header is renamed", () => {
    const v = valuesFromTool(HTTP_TOOL);
    expect(checkTool({ ...v, name: "lookup2" }, "lookup", [])["headers[0]"]).toMatch(/Type the value again/);
    const renamed = { ...v, headers: [{ name: "X-Key", value: "", stored: "X-Api-Key" }] };
    expect(checkTool(renamed, "lookup", [])["headers[0]"]).toMatch(/Type the value again/);
    const caseOnly = { ...v, headers: [{ name: "x-api-key", value: "", stored: "X-Api-Key" }] };
    expect(checkTool(caseOnly, "lookup", [])).toEqual({});
  });

  it("checks names, URLs, numbers and headers before sending", () => {
    const v: ToolFormValues = { ...newToolValues("http"), name: "2bad", url: "ftp://x", timeout: "0" };
    v.headers = [{ name: "Bad Name", value: "x", stored: null }, { name: "", value: "", stored: null }, { name: "X-A", value: "", stored: null }];
    expect(checkTool(v, null, [])).toEqual({
      name: expect.stringMatching(/letters, digits/),
      "config.url": expect.stringMatching(/absolute http\(s\) URL/),
      "config.timeout_seconds": expect.stringMatching(/at most 60/),
      "headers[0]": expect.stringMatching(/no spaces/),
      "headers[2]": "Enter a value.",
    });
    expect(checkTool({ ...newToolValues("kb"), name: "end_call" }, null, []).name).toMatch(/built-in/);
    expect(checkTool({ ...newToolValues("kb"), name: "faq", top_k: "21" }, null, ["faq"])).toEqual({
      name: "This agent already has a tool named “faq”.",
      "config.top_k": "Enter a whole number from 1 to 20.",
    });
  });

  it("builds each kind's config and nothing else", () => {
    const kb = toolFromValues({ ...newToolValues("kb"), name: "faq", top_k: "3" });
    expect(kb).toEqual({ name: "faq", kind: "kb", description: "", enabled: true, input_schema: { type: "object", properties: {} }, config: { top_k: 3 } });
    const mcp = toolFromValues({ ...newToolValues("mcp"), name: "orders", url: " https://mcp.example.com/mcp ", transport: "sse" });
    expect(mcp.config).toEqual({ url: "https://mcp.example.com/mcp", headers: {}, timeout_seconds: 10, transport: "sse" });
    expect(toolSummary(HTTP_TOOL)).toBe("GET https://api.example.com/t");
    expect(toolSummary(kb)).toBe("Searches the knowledge base (3 passages)");
  });

  it("replaces the tool saved under its old name, or adds it", () => {
    const other: CharacterTool = { name: "faq", kind: "kb" };
    const edited = { ...HTTP_TOOL, name: "find" };
    expect(replaceTool([other, HTTP_TOOL], "lookup", edited)).toEqual({ tools: [other, edited], index: 1 });
    expect(replaceTool([other], null, edited)).toEqual({ tools: [other, edited], index: 1 });
  });

  it("puts the API's errors for this tool on its fields and header rows", () => {
    const v = valuesFromTool(HTTP_TOOL);
    v.headers.push({ name: "X-Team", value: "a", stored: null });
    const { fields, rest } = toolFieldErrors([
      { field: "tools[1].config.url", message: "URL is malformed" },
      { field: "tools[1].input_schema", message: "input_schema is not a valid JSON Schema at 'properties/x/type'" },
      { field: "tools[1].config.headers.X-Team", message: "invalid header value" },
      { field: "tools[1].config", message: "unknown key 'retries' in http tool config" },
      { field: "tools[0].name", message: "duplicate" },
      { field: "", message: "whole body" },
    ], 1, v);
    expect(fields).toEqual({
      "config.url": "URL is malformed",
      input_schema: "input_schema is not a valid JSON Schema at 'properties/x/type'",
      "headers[1]": "invalid header value",
    });
    expect(rest).toEqual(["tools[0].name: duplicate", "whole body", "config: unknown key 'retries' in http tool config"]);
  });
});

describe("Test form arguments", () => {
  const fields = argumentFields(TICKET_SCHEMA);

  it("has one typed field per property", () => {
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ["ticket_id", "string", true],
      ["priority", "json", false],
      ["count", "json", false],
      ["urgent", "boolean", false],
      ["tags", "json", false],
    ]);
    expect(fields[1]?.options).toEqual(["low", "high"]);
    expect(argumentFields({ type: "object", properties: { n: { type: ["integer", "null"] } } })[0]?.type).toBe("integer");
    expect(argumentFields({ type: "object" })).toEqual([]);
  });

  it("coerces what was typed to each type and leaves empty fields out", () => {
    const out = coerceArguments(fields, { ticket_id: "TICKET-456", priority: '"high"', count: "2", urgent: "true", tags: '["a"]' });
    expect(out).toEqual({ args: { ticket_id: "TICKET-456", priority: "high", count: 2, urgent: true, tags: ["a"] }, errors: {} });
    expect(coerceArguments(fields, { ticket_id: "x", urgent: "" }).args).toEqual({ ticket_id: "x" });
    const numbers = argumentFields({ type: "object", properties: { n: { type: "number" }, i: { type: "integer" } } });
    expect(coerceArguments(numbers, { n: " 2.5 ", i: "3" }).args).toEqual({ n: 2.5, i: 3 });
    expect(coerceArguments(numbers, { n: "abc", i: "1.5" }).errors).toEqual({ n: "Enter a number.", i: "Enter a whole number." });
  });

  it("names missing required fields and bad JSON", () => {
    const out = coerceArguments(fields, { tags: "[oops" });
    expect(out.errors).toEqual({ ticket_id: "Required.", tags: expect.stringMatching(/^Enter JSON/) });
  });

  it("asks a kb tool without properties for a query, like a call does", () => {
    expect(argumentFields(argumentsSchema({ kind: "kb", input_schema: { type: "object", properties: {} } })).map((f) => f.name)).toEqual(["query"]);
    expect(argumentsSchema({ kind: "http", input_schema: { type: "object", properties: {} } })).toEqual({ type: "object", properties: {} });
  });

  it("puts the server's 400 on the argument it names", () => {
    const { fields: on, rest } = argumentErrors([
      { field: "arguments.ticket_id", message: "does not match" },
      { field: "arguments", message: "'ticket_id' is a required property" },
    ], fields);
    expect(on).toEqual({ ticket_id: "does not match" });
    expect(rest).toEqual(["arguments: 'ticket_id' is a required property"]);
  });

  it("indents JSON bodies and leaves others alone", () => {
    expect(prettyBody('{"a":1}', "application/json")).toBe('{\n  "a": 1\n}');
    expect(prettyBody('{"a":', "application/json")).toBe('{"a":');
    expect(prettyBody('{"a":1}', "text/plain")).toBe('{"a":1}');
  });
});

describe("errorText", () => {
  it("puts what no field shows after the message", () => {
    const err = new ApiError(400, "Validation failed");
    expect(errorText(err)).toBe("Validation failed");
    expect(errorText(err, ["tools[0].name: duplicate", "whole body"])).toBe("Validation failed: tools[0].name: duplicate; whole body");
    expect(errorText("boom")).toBe("Something went wrong. Try again.");
  });
});
