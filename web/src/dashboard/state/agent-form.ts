// The agent editor's values (strings, as typed) and their conversion to the API's bodies.
// Checks here are only what helps while typing; the server's 400 `errors` are the authority
// and land on the same field keys (see mapFieldErrors).
import type { Agent, AgentCreate, AgentUpdate } from "../api/client";

export const LIMIT_KEYS = [
  "max_session_seconds",
  "idle_timeout_seconds",
  "max_concurrent_sessions",
  "sessions_per_minute",
] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];

export interface AgentFormValues {
  name: string;
  slug: string;
  system_prompt: string;
  greeting: string;
  language: string;
  llm_model: string;
  stt_model: string;
  tts_model: string;
  voice: string;
  allowed_origins: string;
  limits: Record<LimitKey, string>;
  show_form: boolean;
  end_call: boolean;
}

/** Form keys the API's error paths are mapped onto. */
export const AGENT_FORM_KEYS = [
  "name", "slug", "system_prompt", "greeting", "language", "llm_model", "stt_model", "tts_model",
  "voice", "allowed_origins", ...LIMIT_KEYS.map((k) => `limits.${k}`), "builtins",
];

export const SLUG_RE = /^[a-z0-9][a-z0-9-]{1,62}$/;
const ORIGIN_RE = /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function valuesFromAgent(a: Agent): AgentFormValues {
  return {
    name: a.name,
    slug: a.slug,
    system_prompt: a.system_prompt ?? "",
    greeting: a.greeting,
    language: a.language,
    llm_model: a.llm_model,
    stt_model: a.stt_model,
    tts_model: a.tts_model,
    voice: a.voice ?? "",
    allowed_origins: a.allowed_origins.join("\n"),
    limits: {
      max_session_seconds: String(a.limits.max_session_seconds ?? ""),
      idle_timeout_seconds: String(a.limits.idle_timeout_seconds ?? ""),
      max_concurrent_sessions: String(a.limits.max_concurrent_sessions ?? ""),
      sessions_per_minute: String(a.limits.sessions_per_minute ?? ""),
    },
    show_form: a.builtins.show_form ?? true,
    end_call: a.builtins.end_call ?? true,
  };
}

/** One origin per line; blank lines are ignored. */
export function originLines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** `{{variable}}` names used in a system prompt, in order of first use. */
export function promptVariables(prompt: string): string[] {
  const names: string[] = [];
  for (const m of prompt.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    const name = m[1];
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Problems found before sending, keyed like AGENT_FORM_KEYS. */
export function checkAgentForm(v: AgentFormValues, creating: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.name.trim()) errors.name = "Enter a name.";
  if (creating && !SLUG_RE.test(v.slug)) {
    errors.slug = "2–63 characters: lowercase letters, digits and hyphens, starting with a letter or digit.";
  }
  const bad = originLines(v.allowed_origins)
    .map((o, i) => [o, i] as const)
    .filter(([o]) => o !== "*" && !ORIGIN_RE.test(o));
  if (bad.length) {
    errors.allowed_origins = bad
      .map(([o, i]) => `Line ${i + 1}: “${o}” is not an origin like https://www.example.com (no path, no trailing slash).`)
      .join(" ");
  }
  for (const k of LIMIT_KEYS) {
    if (!/^\d+$/.test(v.limits[k].trim())) errors[`limits.${k}`] = "Enter a whole number.";
  }
  return errors;
}

/** The PATCH body: every field this editor shows (tools, forms and theme are left as they are). */
export function updateBody(v: AgentFormValues): AgentUpdate {
  return {
    name: v.name.trim(),
    system_prompt: v.system_prompt,
    greeting: v.greeting,
    language: v.language.trim(),
    llm_model: v.llm_model.trim(),
    stt_model: v.stt_model.trim(),
    tts_model: v.tts_model.trim(),
    voice: v.voice.trim() || null,
    allowed_origins: originLines(v.allowed_origins),
    limits: {
      max_session_seconds: Number(v.limits.max_session_seconds),
      idle_timeout_seconds: Number(v.limits.idle_timeout_seconds),
      max_concurrent_sessions: Number(v.limits.max_concurrent_sessions),
      sessions_per_minute: Number(v.limits.sessions_per_minute),
    },
    builtins: { show_form: v.show_form, end_call: v.end_call },
  };
}

/** A slug suggestion from a name: "Acme Support!" → "acme-support". */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

export type { AgentCreate };
