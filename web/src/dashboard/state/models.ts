// The model pickers' choices from GET /api/models/: suggestions for a free-text field (any
// model string the server accepts may still be typed).
import type { RoleModels } from "../api/client";

export interface ModelChoice {
  value: string;
  label: string;
  usable: boolean;
}

export function modelChoices(role: RoleModels): ModelChoice[] {
  const local = role.local.map((m) => ({
    value: m.value,
    label: `${m.name} (local${m.available ? "" : ", not installed"}${m.default ? ", default" : ""})`,
    usable: m.available,
  }));
  const cloud = role.cloud.flatMap((p) =>
    p.options.map((o) => ({
      value: o.value,
      label: `${o.label} (${p.label}${p.configured ? "" : `, needs ${p.setting}`})`,
      usable: p.configured,
    })),
  );
  // Usable first, each group in the server's order.
  return [...local, ...cloud].sort((a, b) => Number(b.usable) - Number(a.usable));
}

/** A note for the field's hint when the typed model is known and not usable yet. */
export function modelNote(role: RoleModels | undefined, value: string): string {
  if (!role) return "";
  const local = role.local.find((m) => m.value === value);
  if (local && !local.available) return local.install_hint ? `Not installed on this server: ${local.install_hint}` : "Not installed on this server.";
  const provider = role.cloud.find((p) => p.options.some((o) => o.value === value));
  if (provider && !provider.configured) return `${provider.label} is not configured: set ${provider.setting}.`;
  return "";
}
