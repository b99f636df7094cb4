// The Forms page's logic: the builder's model of widget_appearance.forms (every field type and
// attribute of the guide's field table, flat or multi-step), the attributes each type allows
// (src/oshara/forms/definitions.py), moving fields, and server error paths → editor keys.
import type { components } from "../../api/schema";

type S = components["schemas"];
export type ApiForm = S["FormDefinition"];
export type ApiField = S["FormField"];
type PublicForm = S["PublicFormDefinition"];
type PublicField = S["PublicFormField"];
export type FieldType = ApiField["type"];
export type SubmitMethod = "POST" | "PUT" | "PATCH";

export const FIELD_TYPES: readonly { value: FieldType; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "email", label: "Email" },
  { value: "tel", label: "Phone" },
  { value: "textarea", label: "Long text" },
  { value: "select", label: "Drop-down (select)" },
  { value: "number", label: "Number" },
  { value: "date", label: "Date" },
  { value: "time", label: "Time" },
  { value: "checkbox", label: "Checkbox" },
  { value: "radio", label: "Radio buttons" },
  { value: "display", label: "Display text (no input)" },
];

/** The attributes besides type/label an editor may show. */
export type Attr = "name" | "required" | "placeholder" | "options" | "rows" | "default_value" | "help_text" | "pattern" | "min" | "max" | "width";

const INPUT_TYPES: readonly FieldType[] = ["text", "email", "tel", "textarea", "select", "number", "date", "time", "checkbox", "radio"];
const MIN_MAX: readonly FieldType[] = ["number", "text", "textarea", "tel", "email"];
const TEXTUAL: readonly FieldType[] = ["text", "email", "tel", "textarea", "number"];

/** Which attributes a field of `type` may have (the server's rules, definitions.py). */
export function attrsFor(type: FieldType): Attr[] {
  const out: Attr[] = [];
  const input = INPUT_TYPES.includes(type);
  if (input) out.push("name", "required");
  if (TEXTUAL.includes(type)) out.push("placeholder");
  if (type === "select" || type === "radio") out.push("options");
  if (type === "textarea") out.push("rows");
  if (input) out.push("default_value");
  out.push("help_text");
  if (TEXTUAL.includes(type) && type !== "number") out.push("pattern");
  if (MIN_MAX.includes(type)) out.push("min", "max");
  out.push("width");
  return out;
}

export interface FieldModel {
  /** Stable key for rendering (not sent). */
  key: string;
  type: FieldType;
  label: string;
  name: string;
  required: boolean;
  placeholder: string;
  /** One option a line: `value` or `value | label`. */
  options: string;
  rows: string;
  default_value: string;
  help_text: string;
  pattern: string;
  min: string;
  max: string;
  width: "" | "full" | "half";
}

export interface StepModel {
  key: string;
  id: string;
  title: string;
  fields: FieldModel[];
}

export interface FormModel {
  key: string;
  id: string;
  title: string;
  subtitle: string;
  /** Empty: managed storage (`submit_url: null`). */
  submit_url: string;
  submit_method: SubmitMethod;
  submit_label: string;
  success_message: string;
  visitor_can_open: boolean;
  multiStep: boolean;
  /** A flat form is one step (its id/title unused). */
  steps: StepModel[];
}

let counter = 0;
// Keys restored from a draft (sessionStorage) must not collide with new ones after a reload.
const RUN = Math.random().toString(36).slice(2, 8);
export function newKey(prefix: string): string {
  counter += 1;
  return `${prefix}-${RUN}-${counter}`;
}

export function newField(type: FieldType = "text"): FieldModel {
  return {
    key: newKey("fld"), type, label: "", name: "", required: false, placeholder: "", options: "", rows: "",
    default_value: "", help_text: "", pattern: "", min: "", max: "", width: "",
  };
}

export function newStep(index: number): StepModel {
  return { key: newKey("stp"), id: `step-${index + 1}`, title: "", fields: [newField()] };
}

export function newForm(existing: readonly FormModel[]): FormModel {
  const ids = new Set(existing.map((f) => f.id));
  let n = existing.length + 1;
  while (ids.has(`form-${n}`)) n += 1;
  return {
    key: newKey("frm"), id: `form-${n}`, title: "", subtitle: "", submit_url: "", submit_method: "POST", submit_label: "",
    success_message: "", visitor_can_open: true, multiStep: false, steps: [{ ...newStep(0), fields: [newField()] }],
  };
}

type Option = string | { value: string; label?: string | null };

function optionsText(options: readonly Option[] | null | undefined): string {
  return (options ?? []).map((o) => (typeof o === "string" ? o : o.label && o.label !== o.value ? `${o.value} | ${o.label}` : o.value)).join("\n");
}

/** Options text → the API's list (strings, or {value, label} when a label differs). */
export function parseOptions(text: string): Option[] {
  const out: Option[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const bar = line.indexOf("|");
    if (bar < 0) out.push(line.trim());
    else {
      const value = line.slice(0, bar).trim();
      const label = line.slice(bar + 1).trim();
      out.push(label && label !== value ? { value, label } : value);
    }
  }
  return out;
}

function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}

export function fieldFromApi(f: ApiField | PublicField): FieldModel {
  return {
    key: newKey("fld"), type: f.type, label: f.label, name: str(f.name), required: f.required === true, placeholder: str(f.placeholder),
    options: optionsText(f.options), rows: str(f.rows), default_value: str(f.default_value), help_text: str(f.help_text),
    pattern: str(f.pattern), min: str(f.min), max: str(f.max), width: f.width === "half" || f.width === "full" ? f.width : "",
  };
}

export function formFromApi(f: PublicForm | ApiForm): FormModel {
  const multiStep = Array.isArray(f.steps) && f.steps.length > 0;
  const steps: StepModel[] = multiStep
    ? (f.steps ?? []).map((s) => ({ key: newKey("stp"), id: s.id, title: str(s.title), fields: s.fields.map(fieldFromApi) }))
    : [{ key: newKey("stp"), id: "step-1", title: "", fields: (f.fields ?? []).map(fieldFromApi) }];
  const method = f.submit_method === "PUT" || f.submit_method === "PATCH" ? f.submit_method : "POST";
  return {
    key: newKey("frm"), id: f.id, title: f.title, subtitle: str(f.subtitle), submit_url: str(f.submit_url), submit_method: method,
    submit_label: str(f.submit_label), success_message: str(f.success_message), visitor_can_open: f.visitor_can_open !== false,
    multiStep, steps,
  };
}

function num(text: string): number | string {
  const t = text.trim();
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

/** One field as the API takes it: only the attributes its type allows, empty ones left out. */
export function fieldToApi(f: FieldModel): ApiField {
  const allowed = new Set(attrsFor(f.type));
  const out: ApiField = { type: f.type, label: f.label.trim() };
  const text = (a: "name" | "placeholder" | "default_value" | "help_text" | "pattern"): void => {
    if (allowed.has(a) && f[a].trim() !== "") out[a] = a === "pattern" || a === "default_value" ? f[a] : f[a].trim();
  };
  text("name");
  if (allowed.has("required") && f.required) out.required = true;
  text("placeholder");
  if (allowed.has("options")) out.options = parseOptions(f.options);
  if (allowed.has("rows") && f.rows.trim()) out.rows = num(f.rows) as number;
  text("default_value");
  text("help_text");
  text("pattern");
  if (allowed.has("min") && f.min.trim()) out.min = num(f.min) as number;
  if (allowed.has("max") && f.max.trim()) out.max = num(f.max) as number;
  if (f.width) out.width = f.width;
  return out;
}

export function formToApi(f: FormModel): ApiForm {
  const out: ApiForm = {
    id: f.id.trim(), title: f.title.trim(), submit_url: f.submit_url.trim() || null,
    submit_method: f.submit_url.trim() ? f.submit_method : "POST", visitor_can_open: f.visitor_can_open,
  };
  if (f.subtitle.trim()) out.subtitle = f.subtitle.trim();
  if (f.submit_label.trim()) out.submit_label = f.submit_label.trim();
  if (f.success_message.trim()) out.success_message = f.success_message.trim();
  if (f.multiStep) {
    out.steps = f.steps.map((s) => {
      const step: NonNullable<ApiForm["steps"]>[number] = { id: s.id.trim(), fields: s.fields.map(fieldToApi) };
      if (s.title.trim()) step.title = s.title.trim();
      return step;
    });
  } else out.fields = f.steps.flatMap((s) => s.fields).map(fieldToApi);
  return out;
}

/** Turn steps on (the fields become step 1) or off (all steps' fields in one list). */
export function setMultiStep(f: FormModel, on: boolean): FormModel {
  if (on === f.multiStep) return f;
  if (on) return { ...f, multiStep: true, steps: f.steps.map((s, i) => ({ ...s, id: s.id || `step-${i + 1}` })) };
  const fields = f.steps.flatMap((s) => s.fields);
  return { ...f, multiStep: false, steps: [{ key: f.steps[0]?.key ?? newKey("stp"), id: "step-1", title: "", fields }] };
}

/** Move item `index` by `delta` (−1 up, +1 down); unchanged at the ends. */
export function move<T>(list: readonly T[], index: number, delta: -1 | 1): T[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item as T);
  return out;
}

/** Editor key of a field: `forms[i].steps[s].fields[j]` (a flat form's fields are step 0). */
export function fieldKey(form: number, step: number, field: number): string {
  return `forms[${form}].steps[${step}].fields[${field}]`;
}

const ATTRS: readonly string[] = ["name", "label", "type", "required", "placeholder", "options", "rows", "default_value", "help_text", "pattern", "min", "max", "width"];
const FORM_ATTRS: readonly string[] = ["id", "title", "subtitle", "submit_url", "submit_method", "submit_label", "success_message", "visitor_can_open"];

export interface MappedFormErrors {
  /** Editor key (`forms[0].steps[1].fields[2].options`, `forms[0].title`, `forms[0]`) → message. */
  fields: Record<string, string>;
  rest: string[];
}

/**
 * Server errors (`widget_appearance.forms[0].fields[2].options`) → editor keys. A flat form's
 * `fields[j]` is step 0's; a field-level message naming one attribute (`'options' must …`) goes
 * on that attribute; anything else on the field, step or form.
 */
export function mapFormErrors(errors: readonly { field: string; message: string }[], forms: readonly FormModel[]): MappedFormErrors {
  const out: MappedFormErrors = { fields: {}, rest: [] };
  const add = (key: string, message: string): void => {
    out.fields[key] = out.fields[key] ? `${out.fields[key]} ${message}` : message;
  };
  for (const e of errors) {
    const message = e.message.replace(/^Value error, /, "");
    const m = /^widget_appearance\.forms(?:\[(\d+)\](.*))?$/.exec(e.field);
    if (!m) {
      out.rest.push(`${e.field}: ${message}`);
      continue;
    }
    if (m[1] === undefined) {
      add("forms", message);
      continue;
    }
    const fi = Number(m[1]);
    const form = forms[fi];
    let rest = m[2] ?? "";
    // Form-level messages that start with a location ("steps[1].id: duplicate …").
    const located = /^((?:steps\[\d+\]\.)?fields\[\d+\](?:\.\w+)?|steps\[\d+\](?:\.\w+)?): (.*)$/.exec(message);
    let text = message;
    if (rest === "" && located?.[1]) {
      rest = `.${located[1]}`;
      text = located[2] ?? message;
    }
    const fm = /^(?:\.steps\[(\d+)\])?(?:\.fields\[(\d+)\])?(?:\.(\w+))?/.exec(rest);
    const step = fm?.[1] !== undefined ? Number(fm[1]) : form && !form.multiStep ? 0 : undefined;
    const field = fm?.[2] !== undefined ? Number(fm[2]) : undefined;
    let attr = fm?.[3];
    if (field !== undefined && step !== undefined) {
      if (!attr) {
        const named = ATTRS.filter((a) => text.includes(`'${a}'`));
        if (named.length === 1) attr = named[0];
      }
      add(fieldKey(fi, step, field) + (attr && ATTRS.includes(attr) ? `.${attr}` : ""), text);
    } else if (fm?.[1] !== undefined) {
      add(`forms[${fi}].steps[${fm[1]}]${attr === "id" || attr === "title" ? `.${attr}` : ""}`, text);
    } else if (attr && FORM_ATTRS.includes(attr)) {
      add(`forms[${fi}].${attr}`, text);
    } else {
      add(`forms[${fi}]`, text);
    }
  }
  return out;
}


/** Problems the page can see before saving (same keys as mapFormErrors). */
export function checkForms(forms: readonly FormModel[]): Record<string, string> {
  const out: Record<string, string> = {};
  const ids = new Set<string>();
  forms.forEach((f, fi) => {
    if (!f.id.trim()) out[`forms[${fi}].id`] = "Give the form an id.";
    else if (ids.has(f.id.trim())) out[`forms[${fi}].id`] = "Another form has this id.";
    ids.add(f.id.trim());
    if (!f.title.trim()) out[`forms[${fi}].title`] = "Give the form a title.";
    const names = new Set<string>();
    f.steps.forEach((s, si) => {
      if (f.multiStep && !s.id.trim()) out[`forms[${fi}].steps[${si}].id`] = "Give the step an id.";
      if (s.fields.length === 0) out[`forms[${fi}].steps[${si}]`] = f.multiStep ? "A step needs at least one field." : "A form needs at least one field.";
      s.fields.forEach((field, j) => {
        const key = fieldKey(fi, si, j);
        if (!field.label.trim()) out[`${key}.label`] = "Give the field a label.";
        if (field.type !== "display") {
          if (!field.name.trim()) out[`${key}.name`] = "Give the field a name.";
          else if (names.has(field.name.trim())) out[`${key}.name`] = "Another field of this form has this name.";
          names.add(field.name.trim());
        }
        for (const a of ["rows", "min", "max"] as const) {
          if (attrsFor(field.type).includes(a) && field[a].trim() && typeof num(field[a]) !== "number") out[`${key}.${a}`] = "Enter a number.";
        }
      });
    });
  });
  return out;
}

