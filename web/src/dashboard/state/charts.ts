// Overview charts: scaling for the hand-written SVG bar charts, and number formatting.

/** A "nice" upper bound of the axis (1, 2, 5 × 10^n) at or above `max`; at least 1. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

export interface Bar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Bars for `values` in a `width` × `height` plot area: equal slots with a gap, heights scaled
 * to `niceMax` of the largest value; a non-zero value is at least 1 unit tall so it shows.
 */
export function bars(
  values: readonly { label: string; value: number }[],
  width: number,
  height: number,
  gap = 0.2,
): { bars: Bar[]; max: number } {
  const max = niceMax(Math.max(0, ...values.map((v) => v.value)));
  const slot = values.length ? width / values.length : width;
  const barWidth = slot * (1 - gap);
  return {
    max,
    bars: values.map((v, i) => {
      const h = v.value > 0 ? Math.max(1, (v.value / max) * height) : 0;
      return { label: v.label, value: v.value, x: i * slot + (slot - barWidth) / 2, y: height - h, width: barWidth, height: h };
    }),
  };
}

/** Milliseconds for people: "—" without data, "850 ms", "1.2 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A rate 0–1 as a percentage ("—" without data). */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  const pct = rate * 100;
  return `${pct > 0 && pct < 0.1 ? "<0.1" : pct.toFixed(pct < 10 && pct % 1 ? 1 : 0)} %`;
}

/** Short day label "Dec 4" of an ISO date (UTC). */
export function dayLabel(iso: string): string {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
}
