/**
 * Shapes of the public Oshara API as the browser sees it (guide, Pattern 5 and Pattern 1).
 *
 * The server's shapes are not written here: they are derived from `../api/schema.d.ts`, which
 * `npm run gen:api` generates from the server's OpenAPI schema, so a field renamed on the server
 * breaks this build instead of a visitor's page. Only the SDK's own shapes (form values, a
 * form's outcome, options) are declared by hand.
 *
 * Field and form attributes are optional exactly where the guide's table allows them to be
 * absent: the appearance endpoint leaves unset attributes out (never `null`), because the
 * guide's `validate()` tests `field.min !== undefined` (the server's `PublicForm*` schemas).
 */

import type { components, paths } from "../api/schema";

type Schemas = components["schemas"];

/** One field of a form, exactly as the appearance endpoint returns it. */
export type FormField = Schemas["PublicFormField"];

/** Every field type of the guide's "Field schema reference". */
export type FieldType = FormField["type"];

/** A select/radio choice: a plain string (its own value and label) or `{value, label?}`. */
export type FormOption = NonNullable<FormField["options"]>[number];

export type FormStep = Schemas["PublicFormStep"];

/**
 * A form the agent can show (`show_form`) or the visitor can open. The server always sends
 * `submit_url` (`null`: Oshara's managed storage); forms built by hand may leave it out.
 */
export type FormDefinition = Omit<Schemas["PublicFormDefinition"], "submit_url"> & {
  submit_url?: Schemas["PublicFormDefinition"]["submit_url"];
};

/** Values of a form as the widget collects them: one flat object, strings per the guide. */
export type FormValues = Record<string, string>;

/** `{field name: message}`; empty means valid (the guide's `validate()` result). */
export type FieldErrors = Record<string, string>;

/** A widget theme: the known keys, plus other keys holding a string, number or boolean. */
export type Theme = Schemas["AppearanceOut"]["theme"];

/** The answer of `GET /api/agents/{slug}/appearance/`, as it is sent. */
export type AppearanceAnswer = Schemas["AppearanceOut"];

/** `GET /api/agents/{slug}/appearance/`, with `position` filled in by `getAppearance`. */
export type Appearance = Omit<AppearanceAnswer, "position"> & {
  position: NonNullable<AppearanceAnswer["position"]>;
};

/** The body of `POST /api/agents/agent-session/`. */
export type SessionRequest = Schemas["AgentSessionIn"];

/**
 * `POST /api/agents/agent-session/` answer (or what a site's token endpoint returns, completed
 * by `grantFromTokenAnswer`: `expires_at` may then be missing).
 */
export type SessionGrant = Omit<Schemas["AgentSessionOut"], "expires_at"> &
  Partial<Pick<Schemas["AgentSessionOut"], "expires_at">>;

/** The body of `POST /api/agents/{slug}/form-responses/` (managed storage). */
export type FormResponseRequest = Schemas["FormResponseIn"];

/** A stored submission (`POST|GET /api/agents/{slug}/form-responses/`). */
export type FormResponseRecord = Schemas["FormResponseOut"];

/** The body of `POST /api/sessions/{id}/messages/` (text mode): `{text}` or `{form_result}`. */
export type TextMessageRequest = NonNullable<
  paths["/api/sessions/{session_id}/messages/"]["post"]["requestBody"]
>["content"]["application/json"];

/** The answer of `POST /api/sessions/{id}/messages/`. */
export type TextTurnAnswer = Schemas["TextTurnOut"];

type FormResultBody = NonNullable<TextMessageRequest["form_result"]>;

/** What happened to a form the agent showed; returned to the agent as the tool result. */
export interface FormOutcome {
  status: FormResultBody["status"];
  form_id: string;
  values?: FormValues;
  /** Id of the stored record (managed storage only). */
  response_id?: string;
  /** Why the form could not be shown (e.g. an unknown form id). */
  error?: string;
}

type Assert<T extends true> = T;
/** Compile-time check: an outcome is what the server accepts as text mode's `form_result`. */
export type FormOutcomeFitsServer = Assert<FormOutcome extends FormResultBody ? true : false>;

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
