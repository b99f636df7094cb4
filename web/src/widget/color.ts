/** Colours: pick readable text for the owner's brand colour (WCAG relative luminance). */

/** Parse `#rgb`, `#rrggbb`, `#rrggbbaa` or `rgb()/rgba()` (what canvas normalisation returns). */
export function parseColor(value: string): [number, number, number] | undefined {
  const v = value.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4})$/.exec(v);
  if (m && m[1]) {
    const [r, g, b] = m[1].split("").map((c) => parseInt(c + c, 16));
    return [r ?? 0, g ?? 0, b ?? 0];
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(v);
  if (m && m[1]) {
    const n = parseInt(m[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(v);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return undefined;
}

/** Normalise any CSS colour through a canvas (the browser's own parser). */
export function normalizeColor(value: string): string | undefined {
  try {
    const ctx = document.createElement("canvas").getContext("2d");
    if (!ctx) return parseColor(value) ? value : undefined;
    ctx.fillStyle = "#010203";
    ctx.fillStyle = value;
    const out = String(ctx.fillStyle);
    if (out === "#010203" && value.trim().toLowerCase() !== "#010203") return undefined;
    return out;
  } catch {
    return undefined;
  }
}

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance([r, g, b]: [number, number, number]): number {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** White or near-black, whichever reads better on `background`. */
export function readableOn(background: string): string {
  const rgb = parseColor(background);
  if (!rgb) return "#ffffff";
  return contrastRatio(rgb, [255, 255, 255]) >= contrastRatio(rgb, [17, 17, 17]) ? "#ffffff" : "#111111";
}
