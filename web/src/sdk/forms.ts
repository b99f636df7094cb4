/** Forms: fetch their schemas, lay them out, collect values and submit them (guide, Pattern 5). */

import { getAppearance } from "./appearance";
import { FormValidationError, type OsharaError, SubmissionFailedError } from "./errors";
import { agentPath, errorFromResponse, normalizeBaseUrl, requestJson } from "./http";
import type {
  BaseOptions,
  FormDefinition,
  FormField,
  FormOption,
  FormResponseRecord,
  FormResponseRequest,
  FormStep,
  FormValues,
} from "./types";

/** The forms of an agent, with their full schema (`appearance.forms`). */
export async function getAgentForms(slug: string, options: BaseOptions): Promise<FormDefinition[]> {
  const appearance = await getAppearance(slug, options);
  return appearance.forms ?? [];
}

/** A form's steps; a flat form is one untitled step, as in the guide's `MultiStepForm`. */
export function formSteps(form: FormDefinition): FormStep[] {
  return form.steps ?? [{ id: "default", fields: form.fields ?? [] }];
}

/** Every field of a form in display order (steps flattened). */
export function formFields(form: FormDefinition): FormField[] {
  return formSteps(form).flatMap((step) => step.fields);
}

/** The submitted value and the shown label of an option. */
export function optionParts(option: FormOption): { value: string; label: string } {
  if (typeof option === "string") return { value: option, label: option };
  return { value: option.value, label: option.label ?? option.value };
}

function prefillText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string" || typeof value === "number") return String(value);
  return undefined;
}

/**
 * Initial values of a form: `default_value` ("use as initial state"), then `prefill` (from
 * the agent's `show_form`) for the fields it names. Checkboxes start at `"false"` so an
 * untouched box submits the guide's unchecked value. Unknown prefill keys are ignored.
 */
export function initialValues(form: FormDefinition, prefill?: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of formFields(form)) {
    if (field.type === "display" || field.name === undefined) continue;
    let value = field.default_value ?? (field.type === "checkbox" ? "false" : "");
    const given = prefill && Object.prototype.hasOwnProperty.call(prefill, field.name) ? prefillText(prefill[field.name]) : undefined;
    if (given !== undefined) {
      if (field.type === "checkbox") value = given === "true" ? "true" : "false";
      else if (field.type === "select" || field.type === "radio") {
        if ((field.options ?? []).some((o) => optionParts(o).value === given)) value = given;
      } else value = given;
    }
    values[field.name] = value;
  }
  return values;
}

export interface SubmitOptions extends BaseOptions {
  /** The character's slug (managed storage path). */
  agent: string;
  /** Links the submission to a call (managed storage). */
  sessionId?: string;
  /** Sent as `Idempotency-Key` to managed storage: a retry with the same key is stored once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface SubmitResult {
  /** `success_message` or the guide's default "Submitted successfully." */
  message: string;
  /** Stored record (managed storage). */
  record?: FormResponseRecord;
  /** Parsed answer of the owner's `submit_url` (when JSON). */
  body?: unknown;
}

/**
 * Submit a form (the guide's `submitForm`, with typed errors).
 *
 * `submit_url: null` posts `{form_id, values, session_id?}` to Oshara's managed storage;
 * otherwise the flat `values` object goes to the owner's URL with `submit_method` (default
 * POST). A 400 with `field_errors` becomes a {@link FormValidationError}; any other failure
 * a {@link SubmissionFailedError}.
 */
export async function submitForm(form: FormDefinition, values: FormValues, options: SubmitOptions): Promise<SubmitResult> {
  const message = form.success_message ?? "Submitted successfully.";
  if (!form.submit_url) {
    const url = `${normalizeBaseUrl(options.baseUrl)}/api/agents/${agentPath(options.agent)}/form-responses/`;
    const body: FormResponseRequest = { form_id: form.id, values };
    if (options.sessionId) body.session_id = options.sessionId;
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    try {
      const req: Parameters<typeof requestJson>[2] = { method: "POST", body, headers };
      if (options.fetch) req.fetch = options.fetch;
      if (options.signal) req.signal = options.signal;
      const record = await requestJson<FormResponseRecord>(url, "agent", req);
      return { message, record };
    } catch (err) {
      throw asSubmissionError(err);
    }
  }
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let res: Response;
  try {
    const init: RequestInit = {
      method: form.submit_method ?? "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(values),
    };
    if (options.signal) init.signal = options.signal;
    res = await doFetch(form.submit_url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new SubmissionFailedError("Submission failed: the form's server could not be reached", undefined, { cause: err });
  }
  if (!res.ok) throw asSubmissionError(await errorFromResponse(res, "external"));
  const text = await res.text().catch(() => "");
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = text;
    }
  }
  return { message, body: parsed };
}

function asSubmissionError(err: unknown): unknown {
  if (err instanceof FormValidationError) return err;
  if (err instanceof DOMException && err.name === "AbortError") return err;
  const e = err as Partial<OsharaError> & Error;
  if (e && (e.code === "origin_not_allowed" || e.code === "agent_not_found" || e.code === "rate_limited")) return err;
  const status = typeof e?.status === "number" ? e.status : undefined;
  const detail = e?.message ? `: ${e.message}` : "";
  return new SubmissionFailedError(`Submission failed${detail}`, status, { cause: err });
}
