// The SDK's validate() against the guide's own code, copied verbatim into
// test/fixtures/guide-validate.js: same errors, same messages, same exceptions, on thousands
// of random (and deliberately odd) field definitions and values.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import type { FormField } from "../src/sdk/types";
import { validate } from "../src/sdk/validate";

const here = dirname(fileURLToPath(import.meta.url));
const fixture = readFileSync(resolve(here, "fixtures", "guide-validate.js"), "utf8");
type Validate = (fields: unknown, values: unknown) => Record<string, string>;
const guideValidate = new Function(`${fixture}\nreturn validate;`)() as Validate;

// The guide lives beside the repository (shared/reference); CI has it there too.
const guidePath = resolve(here, "..", "..", "..", "shared", "reference", "oshara-api-guide.txt");

// Exceptions are compared by class, and by message for regex SyntaxErrors: V8 quotes the
// source expression in TypeError messages, which minification changes anyway.
function run(fn: () => unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    const e = err as Error;
    return { ok: false, error: e.name === "SyntaxError" ? `${e.name}: ${e.message}` : e.name };
  }
}

const TYPES = ["text", "email", "tel", "textarea", "select", "number", "date", "time", "checkbox", "radio", "display", "unknown", ""];
const NAMES = ["name", "email", "age", "a.b", "x_1", "constructor", "toString", "__proto__", "valueOf", "hasOwnProperty"];
const PATTERNS = ["^a", "[0-9]+", "^\\d{3}$", "^[^@]+@", "(", "a{2,}", "", "^$", "[", "\\bfoo\\b", "^[A-Z]{2}-\\d+$", "(?<y>\\d{4})", "."];
const TEXTS = ["", " ", "  \t\n", "a", "abc", "A-12", "AB-99", "bob@", "bob@x", "bob@x.io", " bob@x.io ", "a b@c.d", "@x.y",
  "0", "00", "-0", "1", " 12 ", "1e3", "0x1A", "0b11", "Infinity", "-Infinity", "NaN", "1_000", "3.14", ".5", "5.", "1,5",
  "2026-03-14", "09:30", "true", "false", "\u00a0", "\ufeff7", "\u2028", "foo", "123", "2024", "émile@exämple.com"];

const textArb = fc.oneof(fc.constantFrom(...TEXTS), fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }));
const numberArb = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(0, -0, 1, 10, 2.5, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER),
);
const oddArb = fc.constantFrom<unknown>(null, "5", "", true, false, [], [3], {}, "abc");
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });

const fieldArb = fc.record(
  {
    name: maybe(fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 4 }))),
    label: fc.oneof(fc.constantFrom("Name", "Email", "Age", ""), fc.string({ maxLength: 8 })),
    type: fc.constantFrom(...TYPES),
    required: maybe(fc.oneof(fc.boolean(), oddArb)),
    pattern: maybe(fc.oneof(fc.constantFrom(...PATTERNS), fc.string({ maxLength: 5 }))),
    min: maybe(fc.oneof(numberArb, oddArb)),
    max: maybe(fc.oneof(numberArb, oddArb)),
  },
  { requiredKeys: ["label", "type"] },
);

const valueArb = fc.oneof(
  { weight: 6, arbitrary: textArb },
  { weight: 2, arbitrary: numberArb },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, true, false, [], ["a", "b"], [1], {}, { a: 1 }) },
);

const caseArb = fc.array(fieldArb, { minLength: 0, maxLength: 6 }).chain((fields) => {
  const keys = [...new Set([...NAMES, ...fields.map((f) => f.name).filter((n): n is string => typeof n === "string")])];
  return fc.record({ fields: fc.constant(fields), values: fc.dictionary(fc.constantFrom(...keys, "undefined"), valueArb, { maxKeys: 8 }) });
});

describe("validate() parity with the guide", () => {
  it("uses the guide's code verbatim as the reference", () => {
    expect(fixture).toContain("function validate(fields, values) {");
    if (!existsSync(guidePath)) return; // the guide is not beside this checkout
    const guide = readFileSync(guidePath, "utf8");
    expect(guide.includes(fixture.trimEnd())).toBe(true);
  });

  it("agrees on thousands of random fields and values", () => {
    fc.assert(
      fc.property(caseArb, ({ fields, values }) => {
        const ours = run(() => validate(fields as FormField[], values));
        const theirs = run(() => guideValidate(fields, values));
        expect(ours).toStrictEqual(theirs);
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees on values that are not plain data", () => {
    const weird: unknown[] = [Object.create(null), { toString: () => " 7 " }, Symbol("s"), 10n, () => 1];
    for (const value of weird) {
      for (const type of ["text", "number", "email"]) {
        const fields = [{ name: "v", label: "V", type, required: true, min: 5 }];
        const ours = run(() => validate(fields as FormField[], { v: value }));
        const theirs = run(() => guideValidate(fields, { v: value }));
        expect(ours).toStrictEqual(theirs);
      }
    }
  });

  it("keeps the guide's documented quirks", () => {
    const f = (extra: Partial<FormField>): FormField[] => [{ name: "n", label: "N", type: "text", ...extra }];
    // Number("") is 0: an empty optional field with min > 0 fails.
    expect(validate(f({ min: 1 }), {})).toEqual({ n: "Minimum value is 1" });
    // NaN never fails min/max; later checks overwrite earlier ones.
    expect(validate(f({ min: 1, max: 3 }), { n: "abc" })).toEqual({});
    expect(validate(f({ type: "email", pattern: "^x", max: 0 }), { n: "5" })).toEqual({ n: "Maximum value is 0" });
    // "false" is a non-empty value: a required checkbox passes (the server adds consent semantics).
    expect(validate([{ name: "c", label: "C", type: "checkbox", required: true }], { c: "false" })).toEqual({});
    // Display fields are skipped, nothing else is.
    expect(validate([{ label: "Hi", type: "display", required: true }], {})).toEqual({});
  });
});
