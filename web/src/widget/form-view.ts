/**
 * Renders one form of the guide's schema: every field type and attribute, multi-step with
 * progress and Back/Next, the guide's `validate()` before moving on or submitting, server
 * field errors on their fields, and the success message.
 */

import { FormValidationError, OsharaError } from "../sdk/errors";
import { formFields, formSteps, initialValues, optionParts, type SubmitResult } from "../sdk/forms";
import type { FieldErrors, FormDefinition, FormField, FormOutcome, FormStep, FormValues } from "../sdk/types";
import { validate } from "../sdk/validate";
import { h, icon, ICONS } from "./dom";

export interface FormViewOptions {
  form: FormDefinition;
  /** Values the agent filled in (`show_form` prefill). */
  prefill?: Record<string, unknown>;
  /** Unique per instance: prefixes element ids and radio group names. */
  idPrefix: string;
  /** Sends the values; throws `FormValidationError` for server field errors. */
  submit: (values: FormValues) => Promise<SubmitResult>;
  /** Called once, when the visitor leaves the form (after success: Done; or Cancel). */
  onClose: (outcome: FormOutcome) => void;
  /** Called as soon as the submission succeeded (before the visitor presses Done). */
  onSubmitted?: (outcome: FormOutcome) => void;
  /** Screen-reader announcements (polite). */
  announce?: (message: string) => void;
}

/** Key used for errors that belong to no field. */
const FORM_KEY = "_form";

function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

export class FormView {
  readonly element: HTMLElement;
  readonly form: FormDefinition;
  readonly values: FormValues;
  private readonly options: FormViewOptions;
  private readonly steps: FormStep[];
  private stepIndex = 0;
  private errors: FieldErrors = {};
  private busy = false;
  private closed = false;
  private outcome: FormOutcome | undefined;
  private readonly titleEl: HTMLHeadingElement;
  private readonly progressEl: HTMLElement;
  private readonly barFill: HTMLElement;
  private readonly bodyEl: HTMLElement;
  private readonly formEl: HTMLFormElement;
  private readonly fieldsEl: HTMLElement;
  private readonly formErrorEl: HTMLElement;
  private readonly backBtn: HTMLButtonElement;
  private readonly nextBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;

  constructor(options: FormViewOptions) {
    this.options = options;
    this.form = options.form;
    this.steps = formSteps(this.form);
    this.values = initialValues(this.form, options.prefill);
    const p = options.idPrefix;
    this.titleEl = h("h3", { id: `${p}-title`, class: "form-title", tabindex: "-1" }, this.form.title);
    this.progressEl = h("p", { id: `${p}-progress`, class: "form-progress", tabindex: "-1" });
    this.barFill = h("span", { class: "bar-fill" });
    const bar = h("span", { class: "bar", "aria-hidden": "true" }, this.barFill);
    this.fieldsEl = h("div", { class: "fields" });
    this.formErrorEl = h("p", { id: `${p}-error`, class: "form-error", role: "alert", hidden: true });
    this.backBtn = h("button", { type: "button", class: "btn secondary" }, "Back");
    this.nextBtn = h("button", { type: "submit", class: "btn primary" });
    this.cancelBtn = h("button", { type: "button", class: "icon-btn", "aria-label": `Close form: ${this.form.title}` }, icon(ICONS.close, 18));
    this.formEl = h(
      "form",
      { novalidate: true, "aria-labelledby": `${p}-title`, "aria-describedby": this.form.steps ? `${p}-progress` : null },
      this.fieldsEl,
      this.formErrorEl,
      h("div", { class: "form-nav" }, this.backBtn, this.nextBtn),
    );
    this.bodyEl = h("div", { class: "form-body" }, this.form.steps ? [this.progressEl, bar] : [], this.formEl);
    this.element = h(
      "section",
      { class: "oshara-form", "data-form-id": this.form.id, "aria-labelledby": `${p}-title` },
      h("div", { class: "form-head" }, h("div", {}, this.titleEl, this.form.subtitle ? h("p", { class: "form-subtitle" }, this.form.subtitle) : null), this.cancelBtn),
      this.bodyEl,
    );
    this.formEl.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.advance();
    });
    this.backBtn.addEventListener("click", () => this.back());
    this.cancelBtn.addEventListener("click", () => this.close());
    this.renderStep();
  }

  /** Current step (0-based) and count. */
  get position(): { step: number; of: number } {
    return { step: this.stepIndex, of: this.steps.length };
  }

  /** Errors currently shown, by field name. */
  get shownErrors(): FieldErrors {
    return { ...this.errors };
  }

  /** Move focus to the form's heading (after it opened or the step changed). */
  focusStart(): void {
    (this.form.steps ? this.progressEl : this.titleEl).focus();
  }

  private get currentStep(): FormStep {
    return this.steps[this.stepIndex] as FormStep;
  }

  private get isLastStep(): boolean {
    return this.stepIndex === this.steps.length - 1;
  }

  private renderStep(): void {
    const step = this.currentStep;
    if (this.form.steps) {
      const title = step.title ? `: ${step.title}` : "";
      this.progressEl.textContent = `Step ${this.stepIndex + 1} of ${this.steps.length}${title}`;
      this.barFill.style.width = `${((this.stepIndex + 1) / this.steps.length) * 100}%`;
    }
    this.fieldsEl.replaceChildren(...step.fields.map((field, index) => this.renderField(field, index)));
    this.backBtn.hidden = this.stepIndex === 0;
    this.nextBtn.textContent = this.isLastStep ? (this.form.submit_label ?? "Submit") : "Next";
    this.showFormError(this.errors[FORM_KEY]);
  }

  private fieldId(field: FormField, index: number): string {
    const key = field.name ?? `display-${this.stepIndex}-${index}`;
    return `${this.options.idPrefix}-f-${safeId(key)}`;
  }

  private renderField(field: FormField, index: number): HTMLElement {
    const id = this.fieldId(field, index);
    const helpId = `${id}-help`;
    const errId = `${id}-err`;
    const name = field.name ?? "";
    const error = field.name !== undefined ? this.errors[field.name] : undefined;
    const wrapper = h("div", {
      class: `field type-${field.type}${field.width === "half" ? " half" : ""}${error ? " invalid" : ""}`,
      "data-field": field.name ?? null,
    });
    const help = field.help_text ? h("small", { id: helpId, class: "help" }, field.help_text) : null;
    const err = h("p", { id: errId, class: "error", hidden: !error }, error ?? "");
    const describedBy = [help ? helpId : null, errId].filter(Boolean).join(" ");
    const required = field.required === true;
    const labelText = (forId: string | null): HTMLElement =>
      h("label", { for: forId, class: "label" }, field.label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    const common = {
      id,
      name,
      "aria-describedby": describedBy,
      "aria-invalid": error ? "true" : null,
      "aria-required": required ? "true" : null,
    };
    const value = this.values[name] ?? "";

    switch (field.type) {
      case "display": {
        wrapper.append(h("p", { class: "display" }, field.label));
        if (help) wrapper.append(help);
        return wrapper;
      }
      case "textarea": {
        const input = h("textarea", { ...common, rows: field.rows ?? 3, placeholder: field.placeholder ?? null });
        input.value = value;
        input.addEventListener("input", () => this.setValue(name, input.value));
        wrapper.append(labelText(id), input);
        break;
      }
      case "select": {
        const select = h("select", common, h("option", { value: "" }, "Select…"));
        for (const option of field.options ?? []) {
          const { value: v, label } = optionParts(option);
          select.append(h("option", { value: v }, label));
        }
        select.value = value;
        select.addEventListener("change", () => this.setValue(name, select.value));
        wrapper.append(labelText(id), select);
        break;
      }
      case "radio": {
        const legendId = `${id}-legend`;
        const group = h("div", {
          class: "radio-group",
          role: "radiogroup",
          "aria-labelledby": legendId,
          "aria-describedby": describedBy,
          "aria-invalid": error ? "true" : null,
          "aria-required": required ? "true" : null,
          id,
          tabindex: "-1",
        });
        (field.options ?? []).forEach((option, i) => {
          const { value: v, label } = optionParts(option);
          const optId = `${id}-o${i}`;
          const radio = h("input", { type: "radio", id: optId, name: `${this.options.idPrefix}-${name}`, value: v });
          radio.checked = value === v;
          radio.addEventListener("change", () => {
            if (radio.checked) this.setValue(name, v);
          });
          group.append(h("span", { class: "choice" }, radio, h("label", { for: optId }, label)));
        });
        const legend = h("span", { id: legendId, class: "label" }, field.label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
        wrapper.append(legend, group);
        break;
      }
      case "checkbox": {
        const box = h("input", { ...common, type: "checkbox" });
        box.checked = value === "true";
        box.addEventListener("change", () => this.setValue(name, box.checked ? "true" : "false"));
        wrapper.append(h("span", { class: "choice" }, box, labelText(id)));
        break;
      }
      default: {
        // text, email, tel, number, date, time -- and, as in the guide, anything unknown as text.
        const known = ["text", "email", "tel", "number", "date", "time"];
        const type = known.includes(field.type) ? field.type : "text";
        const input = h("input", {
          ...common,
          type,
          placeholder: field.placeholder ?? null,
          autocomplete: type === "email" ? "email" : type === "tel" ? "tel" : null,
          inputmode: type === "email" ? "email" : type === "tel" ? "tel" : null,
          min: type === "number" && field.min !== undefined ? field.min : null,
          max: type === "number" && field.max !== undefined ? field.max : null,
          step: type === "number" ? "any" : null,
        });
        input.value = value;
        input.addEventListener("input", () => this.setValue(name, input.value));
        wrapper.append(labelText(id), input);
      }
    }
    if (help) wrapper.append(help);
    wrapper.append(err);
    return wrapper;
  }

  private setValue(name: string, value: string): void {
    this.values[name] = value;
    if (this.errors[name]) {
      delete this.errors[name];
      const wrapper = this.fieldsEl.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`);
      if (wrapper) {
        wrapper.classList.remove("invalid");
        const err = wrapper.querySelector<HTMLElement>(".error");
        if (err) {
          err.hidden = true;
          err.textContent = "";
        }
        wrapper.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
      }
    }
  }

  private showFormError(message: string | undefined): void {
    this.formErrorEl.hidden = !message;
    this.formErrorEl.textContent = message ?? "";
  }

  private stepOfField(name: string): number {
    return this.steps.findIndex((s) => s.fields.some((f) => f.name === name));
  }

  /** Show `errors` (step fields only are visible) and focus the first invalid field. */
  private showErrors(errors: FieldErrors): void {
    this.errors = { ...errors };
    const names = Object.keys(errors).filter((n) => n !== FORM_KEY);
    const first = names.map((n) => this.stepOfField(n)).filter((i) => i >= 0).sort((a, b) => a - b)[0];
    if (first !== undefined && first !== this.stepIndex) this.stepIndex = first;
    this.renderStep();
    const count = names.length;
    if (count > 0) {
      this.options.announce?.(count === 1 ? "1 field needs attention" : `${count} fields need attention`);
      const wrapper = this.fieldsEl.querySelector<HTMLElement>(".field.invalid");
      const target = wrapper?.querySelector<HTMLElement>("input:not([type=radio]), textarea, select, [role=radiogroup]");
      target?.focus();
    } else if (errors[FORM_KEY]) this.formErrorEl.focus();
  }

  private back(): void {
    if (this.stepIndex === 0 || this.busy) return;
    this.stepIndex -= 1;
    this.errors = {};
    this.renderStep();
    this.focusStart();
  }

  private async advance(): Promise<void> {
    if (this.busy || this.closed) return;
    const stepErrors = validate(this.currentStep.fields, this.values);
    if (Object.keys(stepErrors).length > 0) {
      this.showErrors(stepErrors);
      return;
    }
    if (!this.isLastStep) {
      this.stepIndex += 1;
      this.errors = {};
      this.renderStep();
      this.focusStart();
      return;
    }
    const allErrors = validate(formFields(this.form), this.values);
    if (Object.keys(allErrors).length > 0) {
      this.showErrors(allErrors);
      return;
    }
    await this.send();
  }

  private async send(): Promise<void> {
    this.busy = true;
    this.errors = {};
    this.showFormError(undefined);
    const label = this.nextBtn.textContent ?? "";
    this.nextBtn.disabled = true;
    this.backBtn.disabled = true;
    this.formEl.setAttribute("aria-busy", "true");
    this.nextBtn.textContent = "Sending…";
    try {
      const values = { ...this.values };
      const result = await this.options.submit(values);
      this.outcome = { status: "submitted", form_id: this.form.id, values };
      if (result.record?.id) this.outcome.response_id = result.record.id;
      this.showSuccess(result.message);
      this.options.onSubmitted?.(this.outcome);
    } catch (err) {
      this.nextBtn.textContent = label;
      if (err instanceof FormValidationError) {
        const known = new Set(formFields(this.form).map((f) => f.name).filter((n): n is string => n !== undefined));
        const fieldErrors: FieldErrors = {};
        const other: string[] = [];
        for (const [key, message] of Object.entries(err.fieldErrors)) {
          if (known.has(key)) fieldErrors[key] = message;
          else other.push(key === FORM_KEY ? message : `${key}: ${message}`);
        }
        if (other.length > 0) fieldErrors[FORM_KEY] = other.join(" ");
        this.showErrors(fieldErrors);
      } else {
        const message = err instanceof OsharaError ? err.message : "Something went wrong";
        this.errors = { [FORM_KEY]: `Could not send the form. ${message}` };
        this.showFormError(this.errors[FORM_KEY]);
        this.formErrorEl.setAttribute("tabindex", "-1");
        this.formErrorEl.focus();
      }
    } finally {
      this.busy = false;
      this.nextBtn.disabled = false;
      this.backBtn.disabled = false;
      this.formEl.removeAttribute("aria-busy");
    }
  }

  private showSuccess(message: string): void {
    const done = h("button", { type: "button", class: "btn primary" }, "Done");
    const text = h("p", { class: "success-text", tabindex: "-1" }, message);
    const success = h("div", { class: "form-success", role: "status" }, text, done);
    done.addEventListener("click", () => this.close());
    this.bodyEl.replaceChildren(success);
    this.cancelBtn.setAttribute("aria-label", "Close");
    text.focus();
  }

  /** Leave the form: reports `submitted` after a success, otherwise `cancelled`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose(this.outcome ?? { status: "cancelled", form_id: this.form.id });
  }
}
