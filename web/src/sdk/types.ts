/**
 * Shapes of the public Oshara API as the browser sees it (guide, Pattern 5 and Pattern 1).
 *
 * Field and form attributes are optional exactly where the guide's table allows them to be
 * absent: the appearance endpoint leaves unset attributes out (never `null`), because the
 * guide's `validate()` tests `field.min !== undefined`.
 */

/** Every field type of the guide's "Field schema reference". */
export type FieldType =
  | "text"
  | "email"
  | "tel"
  | "textarea"
  | "select"
  | "number"
  | "date"
  | "time"
  | "checkbox"
  | "radio"
  | "display";

/** A select/radio choice: a plain string (its own value and label) or `{value, label?}`. */
export type FormOption = string | { value: string; label?: string };

/** One field of a form, exactly as the appearance endpoint returns it. */
export interface FormField {
  /** Key in the submitted values; absent on `display` fields. */
  name?: string;
  label: string;
  type: FieldType;
  required?: boolean;
  placeholder?: string;
  options?: FormOption[];
  rows?: number;
  default_value?: string;
  help_text?: string;
  pattern?: string;
  min?: number;
  max?: number;
  width?: "full" | "half";
}

export interface FormStep {
  id: string;
  title?: string;
  fields: FormField[];
}

/** A form the agent can show (`show_form`) or the visitor can open. */
export interface FormDefinition {
  id: string;
  title: string;
  subtitle?: string;
  /** `null` (or absent) means Oshara's managed storage. */
  submit_url?: string | null;
  submit_method?: "POST" | "PUT" | "PATCH";
  submit_label?: string;
  success_message?: string;
  /** `false` hides the form from the panel: only the agent can show it. */
  visitor_can_open?: boolean;
  fields?: FormField[];
  steps?: FormStep[];
}

/** Values of a form as the widget collects them: one flat object, strings per the guide. */
export type FormValues = Record<string, string>;

/** `{field name: message}`; empty means valid (the guide's `validate()` result). */
export type FieldErrors = Record<string, string>;

export interface Theme {
  primary_color?: string;
  background_color?: string;
  text_color?: string;
  font_family?: string;
  border_radius?: number | string;
  position?: "bottom-right" | "bottom-left";
  [key: string]: string | number | boolean | undefined;
}

/** `GET /api/agents/{slug}/appearance/`. */
export interface Appearance {
  slug: string;
  name: string;
  language: string;
  theme: Theme;
  forms: FormDefinition[];
  position: "bottom-right" | "bottom-left";
}

/** `POST /api/agents/agent-session/` answer (or the subset a site's token endpoint returns). */
export interface SessionGrant {
  session_id: string;
  token: string;
  transport: "webrtc" | "livekit" | "text";
  webrtc_url: string | null;
  livekit_url: string | null;
  expires_at?: string;
}

/** A stored submission (`POST|GET /api/agents/{slug}/form-responses/`). */
export interface FormResponseRecord {
  id: string;
  form_id: string;
  session_id: string | null;
  values: Record<string, unknown>;
  source: string;
  created_at: string;
}

/** What happened to a form the agent showed; returned to the agent as the tool result. */
export interface FormOutcome {
  status: "submitted" | "cancelled";
  form_id: string;
  values?: FormValues;
  /** Id of the stored record (managed storage only). */
  response_id?: string;
  /** Why the form could not be shown (e.g. an unknown form id). */
  error?: string;
}

/** Arguments of the agent's built-in `show_form` tool. */
export interface ShowFormRequest {
  form_id: string;
  prefill?: Record<string, unknown>;
  /** The form's definition when the server sent it along (text mode's `forms`). */
  form?: FormDefinition;
}

/** Common options: where the Oshara server is. */
export interface BaseOptions {
  /** Oshara server, e.g. `https://voice.example.com`. No trailing slash needed. */
  baseUrl: string;
  /** Replaces `fetch` (tests, custom auth); defaults to the global `fetch`. */
  fetch?: typeof fetch;
}
