// @vitest-environment happy-dom
// Rendering of every field type and attribute of the guide's table, and multi-step navigation.
import { describe, expect, it, vi } from "vitest";

import { FormValidationError, SubmissionFailedError } from "../src/sdk/errors";
import type { SubmitResult } from "../src/sdk/forms";
import type { FormDefinition, FormOutcome, FormValues } from "../src/sdk/types";
import { FormView } from "../src/widget/form-view";

const allTypes: FormDefinition = {
  id: "everything",
  title: "Every field",
  subtitle: "All the types",
  submit_url: null,
  fields: [
    { name: "t", label: "Text", type: "text", required: true, placeholder: "Your name", width: "half", help_text: "As on your ID" },
    { name: "e", label: "Email", type: "email", width: "half" },
    { name: "p", label: "Phone", type: "tel", pattern: "^[0-9]+$" },
    { name: "m", label: "Message", type: "textarea", rows: 6, default_value: "Hello" },
    { name: "s", label: "Plan", type: "select", options: ["Free", { value: "pro", label: "Pro plan" }, { value: "ent" }] },
    { name: "n", label: "Seats", type: "number", min: 1, max: 50 },
    { name: "d", label: "Day", type: "date" },
    { name: "h", label: "Hour", type: "time" },
    { name: "c", label: "I agree", type: "checkbox", required: true },
    { name: "r", label: "Channel", type: "radio", options: ["Phone", { value: "video", label: "Video" }], default_value: "video" },
    { label: "Read-only note", type: "display", help_text: "shown as text" },
    { name: "x", label: "Mystery", type: "mystery" as never },
  ],
};

function mount(form: FormDefinition, overrides: Partial<ConstructorParameters<typeof FormView>[0]> = {}) {
  const submit = vi.fn(async (_values: FormValues): Promise<SubmitResult> => ({ message: form.success_message ?? "Submitted successfully.", record: { id: "rec-1", form_id: form.id, session_id: null, values: {}, source: "widget", created_at: "" } }));
  const onClose = vi.fn((_o: FormOutcome) => undefined);
  const onSubmitted = vi.fn((_o: FormOutcome) => undefined);
  const view = new FormView({ form, idPrefix: "t", submit, onClose, onSubmitted, ...overrides });
  document.body.replaceChildren(view.element);
  const q = <T extends Element = HTMLElement>(sel: string): T => {
    const el = view.element.querySelector<T>(sel);
    if (!el) throw new Error(`no ${sel}`);
    return el;
  };
  const field = (name: string): HTMLElement => q(`[data-field="${name}"]`);
  const submitBtn = (): HTMLButtonElement => q<HTMLButtonElement>("button[type=submit]");
  const backBtn = (): HTMLButtonElement => q<HTMLButtonElement>(".form-nav button.secondary");
  const error = (name: string): string => {
    const el = field(name).querySelector<HTMLElement>(".error");
    return el && !el.hidden ? (el.textContent ?? "") : "";
  };
  const type = (name: string, value: string): void => {
    const el = field(name).querySelector<HTMLInputElement | HTMLTextAreaElement>("input, textarea")!;
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { view, submit, onClose, onSubmitted, q, field, submitBtn, backBtn, error, type, flush };
}

describe("field rendering", () => {
  it("renders each type as the right control with its attributes", () => {
    const { q, field } = mount(allTypes);
    expect(q("h3").textContent).toBe("Every field");
    expect(q(".form-subtitle").textContent).toBe("All the types");

    const text = field("t").querySelector("input")!;
    expect(text.type).toBe("text");
    expect(text.placeholder).toBe("Your name");
    expect(text.getAttribute("aria-required")).toBe("true");
    expect(field("t").classList.contains("half")).toBe(true);
    expect(field("t").querySelector("label")!.getAttribute("for")).toBe(text.id);
    const help = field("t").querySelector(".help")!;
    expect(help.textContent).toBe("As on your ID");
    expect(text.getAttribute("aria-describedby")).toContain(help.id);

    expect(field("e").querySelector("input")!.type).toBe("email");
    expect(field("e").querySelector("input")!.getAttribute("autocomplete")).toBe("email");
    expect(field("p").querySelector("input")!.type).toBe("tel");
    const textarea = field("m").querySelector("textarea")!;
    expect(textarea.getAttribute("rows")).toBe("6");
    expect(textarea.value).toBe("Hello"); // default_value

    const options = [...field("s").querySelectorAll("option")].map((o) => [o.value, o.textContent]);
    expect(options).toEqual([["", "Select…"], ["Free", "Free"], ["pro", "Pro plan"], ["ent", "ent"]]);

    const number = field("n").querySelector("input")!;
    expect([number.type, number.min, number.max]).toEqual(["number", "1", "50"]);
    expect(field("d").querySelector("input")!.type).toBe("date");
    expect(field("h").querySelector("input")!.type).toBe("time");

    const box = field("c").querySelector("input")!;
    expect(box.type).toBe("checkbox");
    expect(box.checked).toBe(false);

    const radios = [...field("r").querySelectorAll<HTMLInputElement>("input[type=radio]")];
    expect(radios.map((r) => [r.value, r.checked])).toEqual([["Phone", false], ["video", true]]);
    expect(new Set(radios.map((r) => r.name)).size).toBe(1);
    expect(field("r").querySelector("[role=radiogroup]")!.getAttribute("aria-labelledby")).toBeTruthy();
    expect([...field("r").querySelectorAll(".choice label")].map((l) => l.textContent)).toEqual(["Phone", "Video"]);

    const display = q(".type-display");
    expect(display.querySelector("input, textarea, select")).toBeNull();
    expect(display.querySelector(".display")!.textContent).toBe("Read-only note");
    expect(display.querySelector(".help")!.textContent).toBe("shown as text");

    // Unknown types fall back to a text input, as in the guide's FormField.
    expect(field("x").querySelector("input")!.type).toBe("text");
  });

  it("collects strings as the guide does: checkbox 'true'/'false', select and radio values", async () => {
    const m = mount(allTypes);
    m.type("t", "Ada");
    m.type("n", "5"); // an empty Seats would fail the guide's min check ("" is 0)
    const box = m.field("c").querySelector<HTMLInputElement>("input")!;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    const select = m.field("s").querySelector("select")!;
    select.value = "pro";
    select.dispatchEvent(new Event("change"));
    const phone = m.field("r").querySelector<HTMLInputElement>("input[value=Phone]")!;
    phone.checked = true;
    phone.dispatchEvent(new Event("change"));
    m.submitBtn().click();
    await m.flush();
    expect(m.submit).toHaveBeenCalledTimes(1);
    expect(m.submit.mock.calls[0]![0]).toEqual({ t: "Ada", e: "", p: "", m: "Hello", s: "pro", n: "5", d: "", h: "", c: "true", r: "Phone", x: "" });
  });

  it("prefill from show_form overrides defaults; unknown keys and invalid options are ignored", () => {
    const m = mount(allTypes, { prefill: { t: "Grace", c: true, s: "nope", r: "Phone", zzz: 1, n: 7 } });
    expect(m.field("t").querySelector("input")!.value).toBe("Grace");
    expect(m.field("c").querySelector<HTMLInputElement>("input")!.checked).toBe(true);
    expect(m.field("s").querySelector("select")!.value).toBe("");
    expect(m.field("r").querySelector<HTMLInputElement>("input[value=Phone]")!.checked).toBe(true);
    expect(m.field("n").querySelector("input")!.value).toBe("7");
  });

  it("shows the guide's errors on their fields, marks them invalid and focuses the first", async () => {
    const m = mount(allTypes);
    m.type("p", "12a");
    m.type("n", "99");
    m.submitBtn().click();
    await m.flush();
    expect(m.submit).not.toHaveBeenCalled();
    expect(m.error("t")).toBe("Text is required");
    expect(m.error("p")).toBe("Phone format is invalid");
    expect(m.error("n")).toBe("Maximum value is 50");
    expect(m.error("e")).toBe("");
    expect(m.field("t").querySelector("input")!.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(m.field("t").querySelector("input"));
    // Typing clears that field's error.
    m.type("t", "A");
    expect(m.error("t")).toBe("");
  });
});

const steps: FormDefinition = {
  id: "onboarding",
  title: "Get started",
  submit_url: null,
  submit_label: "Confirm booking",
  success_message: "Booked!",
  steps: [
    { id: "a", title: "Your details", fields: [{ name: "name", label: "Name", type: "text", required: true }] },
    { id: "b", title: "Use case", fields: [{ name: "size", label: "Team size", type: "number", min: 1 }] },
    { id: "c", fields: [{ name: "day", label: "Day", type: "date", required: true }] },
  ],
};

describe("multi-step navigation", () => {
  it("shows progress, blocks Next on errors, keeps values on Back, submits on the last step", async () => {
    const m = mount(steps);
    const progress = () => m.q(".form-progress").textContent;
    expect(progress()).toBe("Step 1 of 3: Your details");
    expect(m.backBtn().hidden).toBe(true);
    expect(m.submitBtn().textContent).toBe("Next");

    m.submitBtn().click();
    await m.flush();
    expect(progress()).toBe("Step 1 of 3: Your details");
    expect(m.error("name")).toBe("Name is required");

    m.type("name", "Ada");
    m.submitBtn().click();
    await m.flush();
    expect(progress()).toBe("Step 2 of 3: Use case");
    expect(document.activeElement).toBe(m.q(".form-progress"));
    expect(m.backBtn().hidden).toBe(false);
    // The guide's quirk: an empty optional number with min 1 fails ("" is 0).
    m.submitBtn().click();
    await m.flush();
    expect(m.error("size")).toBe("Minimum value is 1");
    m.type("size", "3");

    m.backBtn().click();
    expect(progress()).toBe("Step 1 of 3: Your details");
    expect(m.field("name").querySelector("input")!.value).toBe("Ada");
    m.submitBtn().click();
    await m.flush();
    expect(m.field("size").querySelector("input")!.value).toBe("3");
    m.submitBtn().click();
    await m.flush();
    expect(progress()).toBe("Step 3 of 3");
    expect(m.submitBtn().textContent).toBe("Confirm booking");
    m.type("day", "2026-01-31");
    m.submitBtn().click();
    await m.flush();
    expect(m.submit).toHaveBeenCalledWith({ name: "Ada", size: "3", day: "2026-01-31" });
    expect(m.q(".success-text").textContent).toBe("Booked!");
    expect(m.onSubmitted).toHaveBeenCalledWith({ status: "submitted", form_id: "onboarding", values: { name: "Ada", size: "3", day: "2026-01-31" }, response_id: "rec-1" });
    m.q<HTMLButtonElement>(".form-success button").click();
    expect(m.onClose).toHaveBeenCalledTimes(1);
    expect(m.onClose.mock.calls[0]![0].status).toBe("submitted");
  });

  it("puts server field errors on their field, on the step that holds it", async () => {
    const submit = vi
      .fn()
      .mockRejectedValueOnce(new FormValidationError("bad", { name: "Name is taken", _form: "Try later", ghost: "Unknown field" }))
      .mockRejectedValueOnce(new SubmissionFailedError("Submission failed: HTTP 502", 502))
      .mockResolvedValueOnce({ message: "Booked!" });
    const m = mount(steps, { submit });
    m.type("name", "Ada");
    m.submitBtn().click();
    await m.flush();
    m.type("size", "2");
    m.submitBtn().click();
    await m.flush();
    m.type("day", "2026-01-31");
    m.submitBtn().click();
    await m.flush();
    await m.flush();
    expect(m.q(".form-progress").textContent).toBe("Step 1 of 3: Your details");
    expect(m.error("name")).toBe("Name is taken");
    expect(m.q(".form-error").textContent).toBe("Try later ghost: Unknown field");
    // Non-field failures keep the values and say what happened.
    m.submitBtn().click();
    await m.flush();
    m.submitBtn().click();
    await m.flush();
    m.submitBtn().click();
    await m.flush();
    await m.flush();
    expect(m.q(".form-error").textContent).toBe("Could not send the form. Submission failed: HTTP 502");
    m.submitBtn().click();
    await m.flush();
    await m.flush();
    expect(m.q(".success-text").textContent).toBe("Booked!");
    expect(submit).toHaveBeenCalledTimes(3);
  });

  it("reports 'cancelled' when closed before submitting", () => {
    const m = mount(steps);
    m.q<HTMLButtonElement>(".form-head .icon-btn").click();
    expect(m.onClose).toHaveBeenCalledWith({ status: "cancelled", form_id: "onboarding" });
    expect(m.onSubmitted).not.toHaveBeenCalled();
  });
});
