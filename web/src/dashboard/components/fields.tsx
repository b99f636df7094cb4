// Labelled form controls: a visible <label>, the error tied by aria-describedby.
import type { ComponentChildren } from "preact";

interface Common {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
}

function describedBy(name: string, error?: string, hint?: ComponentChildren): string | undefined {
  const ids = [hint ? `${name}-hint` : "", error ? `${name}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Extra({ name, error, hint }: Omit<Common, "label">) {
  return (
    <>
      {hint ? <p class="hint" id={`${name}-hint`}>{hint}</p> : null}
      {error ? <p class="field-error" id={`${name}-error`}>{error}</p> : null}
    </>
  );
}

interface TextProps extends Common {
  value: string;
  onValue: (v: string) => void;
  type?: "text" | "email" | "password" | "url" | "search";
  autoComplete?: string;
  required?: boolean;
  readOnly?: boolean;
  inputMode?: "numeric" | "decimal" | "text";
  placeholder?: string;
  /** Suggestions (a <datalist>): the field stays free text. */
  suggestions?: readonly { value: string; label: string }[] | undefined;
}

export function TextField(p: TextProps) {
  const id = `f-${p.name}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value}
        onInput={(e) => p.onValue(e.currentTarget.value)}
        autoComplete={p.autoComplete}
        required={p.required}
        readOnly={p.readOnly}
        inputMode={p.inputMode}
        placeholder={p.placeholder}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.error, p.hint)}
        list={p.suggestions?.length ? `${id}-list` : undefined}
      />
      {p.suggestions?.length ? (
        <datalist id={`${id}-list`}>
          {p.suggestions.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
        </datalist>
      ) : null}
      <Extra name={p.name} error={p.error} hint={p.hint} />
    </div>
  );
}

interface AreaProps extends Common {
  value: string;
  onValue: (v: string) => void;
  rows?: number;
  placeholder?: string;
}

export function TextArea(p: AreaProps) {
  const id = `f-${p.name}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>{p.label}</label>
      <textarea
        id={id}
        name={p.name}
        rows={p.rows ?? 4}
        value={p.value}
        placeholder={p.placeholder}
        onInput={(e) => p.onValue(e.currentTarget.value)}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.error, p.hint)}
      />
      <Extra name={p.name} error={p.error} hint={p.hint} />
    </div>
  );
}

interface CheckProps extends Common {
  checked: boolean;
  onChecked: (v: boolean) => void;
}

export function Checkbox(p: CheckProps) {
  const id = `f-${p.name}`;
  return (
    <div class="field check">
      <input
        id={id}
        name={p.name}
        type="checkbox"
        checked={p.checked}
        onChange={(e) => p.onChecked(e.currentTarget.checked)}
        aria-describedby={describedBy(p.name, p.error, p.hint)}
      />
      <label for={id}>{p.label}</label>
      <Extra name={p.name} error={p.error} hint={p.hint} />
    </div>
  );
}

interface SelectProps extends Common {
  value: string;
  onValue: (v: string) => void;
  options: readonly { value: string; label: string }[];
}

export function SelectField(p: SelectProps) {
  const id = `f-${p.name}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>{p.label}</label>
      <select
        id={id}
        name={p.name}
        value={p.value}
        onChange={(e) => p.onValue(e.currentTarget.value)}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy(p.name, p.error, p.hint)}
      >
        {p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
      <Extra name={p.name} error={p.error} hint={p.hint} />
    </div>
  );
}
