import { describe, expect, it } from "vitest";
import {
  type ApiForm, attrsFor, checkForms, fieldKey, fieldToApi, formFromApi, formToApi, mapFormErrors, move, newField, newForm, parseOptions, setMultiStep,
} from "../src/dashboard/state/forms-builder";

const TWO_STEP: ApiForm = {
  id: "book-demo",
  title: "Book a demo",
  submit_url: null,
  submit_method: "POST",
  visitor_can_open: true,
  success_message: "Thanks!",
  steps: [
    { id: "you", title: "You", fields: [{ name: "full_name", label: "Full name", type: "text", required: true, min: 2, max: 80, pattern: "^[A-Za-z ]+$" }] },
    {
      id: "contact",
      fields: [
        { name: "email", label: "Email", type: "email", placeholder: "you@example.com", help_text: "We reply here", width: "half" },
        { name: "size", label: "Size", type: "select", options: ["40", { value: "42", label: "Size 42" }], default_value: "40" },
        { name: "notes", label: "Notes", type: "textarea", rows: 5 },
        { label: "We never share your data.", type: "display" },
      ],
    },
  ],
};

describe("forms builder model", () => {
  it("round-trips a two-step form through the editor model", () => {
    expect(formToApi(formFromApi(TWO_STEP))).toEqual(TWO_STEP);
  });
  it("round-trips a flat form with submit_url and method", () => {
    const flat: ApiForm = {
      id: "lead", title: "Lead", submit_url: "https://api.example.com/leads", submit_method: "PUT", visitor_can_open: false, submit_label: "Send",
      fields: [{ name: "agree", label: "I agree", type: "checkbox", default_value: "false" }, { name: "age", label: "Age", type: "number", min: 18, max: 120 }],
    };
    expect(formToApi(formFromApi(flat))).toEqual(flat);
  });
  it("managed storage always posts", () => {
    const f = { ...newForm([]), title: "T", submit_method: "PATCH" as const };
    expect(formToApi(f)).toMatchObject({ submit_url: null, submit_method: "POST" });
  });
  it("allows only the attributes of each type", () => {
    expect(attrsFor("display")).toEqual(["help_text", "width"]);
    expect(attrsFor("select")).toContain("options");
    expect(attrsFor("text")).not.toContain("options");
    expect(attrsFor("textarea")).toContain("rows");
    expect(attrsFor("date")).not.toContain("min");
    expect(attrsFor("number")).toEqual(expect.arrayContaining(["min", "max", "placeholder"]));
    // Attributes a type does not allow are dropped (e.g. after changing the type).
    const f = { ...newField("select"), label: "X", name: "x", options: "a\nb", rows: "3", pattern: "a+" };
    expect(fieldToApi({ ...f, type: "text" })).toEqual({ type: "text", label: "X", name: "x", pattern: "a+" });
    expect(fieldToApi({ ...f, type: "display", required: true })).toEqual({ type: "display", label: "X" });
  });
  it("parses options: values, value | label, blank lines", () => {
    expect(parseOptions("a\n\n b | Bee \nc|c")).toEqual(["a", { value: "b", label: "Bee" }, "c"]);
  });
  it("moves items and toggles steps", () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
    const multi = formFromApi(TWO_STEP);
    const flat = setMultiStep(multi, false);
    expect(flat.steps).toHaveLength(1);
    expect(formToApi(flat).fields?.map((f) => f.label)).toEqual(["Full name", "Email", "Size", "Notes", "We never share your data."]);
    expect(formToApi(setMultiStep(flat, true)).steps?.[0]?.fields).toHaveLength(5);
  });
  it("maps server error paths onto field editors", () => {
    const { steps: _steps, ...flatForm } = TWO_STEP;
    const forms = [formFromApi({ ...flatForm, fields: [{ name: "a", label: "A", type: "text" }] }), formFromApi(TWO_STEP)];
    const out = mapFormErrors(
      [
        { field: "widget_appearance.forms[0].fields[0].options", message: "bad" },
        { field: "widget_appearance.forms[1].steps[1].fields[1]", message: "Value error, field 'size': 'options' must be a non-empty list for select fields" },
        { field: "widget_appearance.forms[1].steps[0].fields[0]", message: "field 'full_name': 'min' must not be greater than 'max'; 'rows' is only allowed" },
        { field: "widget_appearance.forms[1]", message: "steps[1].id: duplicate step id 'you'" },
        { field: "widget_appearance.forms[1].title", message: "must not be empty" },
        { field: "widget_appearance.forms[0]", message: "a form must have exactly one of 'fields' or 'steps'" },
        { field: "name", message: "too long" },
      ],
      forms,
    );
    expect(out.fields).toEqual({
      [`${fieldKey(0, 0, 0)}.options`]: "bad",
      [`${fieldKey(1, 1, 1)}.options`]: "field 'size': 'options' must be a non-empty list for select fields",
      [fieldKey(1, 0, 0)]: "field 'full_name': 'min' must not be greater than 'max'; 'rows' is only allowed",
      "forms[1].steps[1].id": "duplicate step id 'you'",
      "forms[1].title": "must not be empty",
      "forms[0]": "a form must have exactly one of 'fields' or 'steps'",
    });
    expect(out.rest).toEqual(["name: too long"]);
  });
  it("checks what it can before saving", () => {
    const f = newForm([]);
    const errs = checkForms([f, { ...f, key: "other" }]);
    expect(errs["forms[0].title"]).toBeDefined();
    expect(errs["forms[1].id"]).toBe("Another form has this id.");
    expect(errs[`${fieldKey(0, 0, 0)}.label`]).toBeDefined();
    expect(errs[`${fieldKey(0, 0, 0)}.name`]).toBeDefined();
    const ok = { ...f, title: "T", steps: [{ key: "s", id: "s", title: "", fields: [{ ...newField("number"), label: "N", name: "n", min: "abc" }] }] };
    expect(checkForms([ok])).toEqual({ [`${fieldKey(0, 0, 0)}.min`]: "Enter a number." });
  });
});
