// The Look page's logic: the widget's name, primary colour and position ↔ the API's widget_appearance.
import type { Agent, AgentUpdate } from "../api/client";

export type Position = "bottom-right" | "bottom-left";
export const POSITIONS: readonly { value: Position; label: string }[] = [
  { value: "bottom-right", label: "Bottom right" },
  { value: "bottom-left", label: "Bottom left" },
];
/** The widget's own default (web/src/widget/styles.ts `--o-primary`). */
export const DEFAULT_PRIMARY = "#4f46e5";

export interface LookValues {
  name: string;
  primary_color: string;
  position: Position;
}

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#rgb` or `#rrggbb`. */
export function isHexColor(value: string): boolean {
  return HEX.test(value.trim());
}

/** `#rrggbb` in lower case (what `<input type=color>` needs), or undefined when not a hex colour. */
export function expandHex(value: string): string | undefined {
  const v = value.trim().toLowerCase();
  if (!HEX.test(v)) return undefined;
  return v.length === 4 ? `#${v[1]}${v[1]}${v[2]}${v[2]}${v[3]}${v[3]}` : v;
}

export function lookFromAgent(agent: Pick<Agent, "widget_appearance">): LookValues {
  const wa = agent.widget_appearance;
  const theme = (wa.theme ?? {}) as Record<string, unknown>;
  const color = typeof theme.primary_color === "string" ? theme.primary_color : "";
  const position = theme.position === "bottom-left" ? "bottom-left" : "bottom-right";
  return { name: wa.name ?? "", primary_color: color, position };
}

/** Problems by field key; empty when the values can be saved. */
export function checkLook(v: LookValues): Record<string, string> {
  const out: Record<string, string> = {};
  if (v.primary_color.trim() && !isHexColor(v.primary_color)) out.primary_color = "Use a hex colour such as #4f46e5.";
  if (v.name.length > 120) out.name = "At most 120 characters.";
  return out;
}

/** The PATCH body: the theme is merged key by key by the server; an empty colour removes the key. */
export function lookUpdate(v: LookValues): AgentUpdate {
  const color = v.primary_color.trim();
  return {
    widget_appearance: {
      name: v.name.trim() || null,
      theme: { primary_color: color ? (expandHex(color) ?? color) : null, position: v.position },
    },
  };
}

/** Server error paths (`widget_appearance.theme.primary_color`) → the page's field keys. */
export function lookErrorKey(path: string): string | undefined {
  if (path === "widget_appearance.name") return "name";
  const m = /^widget_appearance\.theme\.(primary_color|position)$/.exec(path);
  return m?.[1];
}
