/**
 * The guide's `validate()` (Pattern 5, Step 5), line for line, with types added.
 *
 * The body must keep the guide's JavaScript semantics exactly -- including its quirks, which
 * the server mirrors (see `src/oshara/forms/validation.py`): `Number("")` is 0, so an empty
 * optional field with `min > 0` fails; NaN never fails `min`/`max`; later checks overwrite
 * earlier messages; a `display` field is skipped; `values[field.name]` reads inherited
 * properties. `test/validate.parity.test.ts` compares it with a verbatim copy of the guide's
 * code on thousands of random fields and values. Do not "improve" it.
 */

import type { FieldErrors, FormField } from "./types";

type Stringable = { toString(): string };

export function validate(fields: readonly FormField[], values: Readonly<Record<string, unknown>>): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of fields) {
    if (field.type === "display") continue;
    const name = field.name as string;
    const val = ((values[name] ?? "") as Stringable).toString().trim();
    if (field.required && !val) {
      errors[name] = `${field.label} is required`;
      continue;
    }
    if (field.type === "email" && val && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(val)) {
      errors[name] = "Enter a valid email address";
    }
    if (field.pattern && val && !new RegExp(field.pattern).test(val)) {
      errors[name] = `${field.label} format is invalid`;
    }
    if (field.min !== undefined && Number(val) < field.min) {
      errors[name] = `Minimum value is ${field.min}`;
    }
    if (field.max !== undefined && Number(val) > field.max) {
      errors[name] = `Maximum value is ${field.max}`;
    }
  }
  return errors; // empty = valid
}
