/** The embed's options, from the data attributes of its <script> tag. */

import type { WidgetConfig } from "./widget";

/** Read the embed's data attributes; `undefined` (with a console message) when unusable. */
export function readConfig(script: HTMLScriptElement): WidgetConfig | undefined {
  const data = script.dataset;
  const agent = (data.agent ?? "").trim();
  if (!agent) {
    console.error("[oshara] widget.js needs data-agent=\"your-agent-slug\" on its <script> tag");
    return undefined;
  }
  let apiBase = (data.apiBase ?? "").trim();
  if (!apiBase) {
    try {
      apiBase = new URL(script.src, document.baseURI).origin;
    } catch {
      apiBase = window.location.origin;
    }
  }
  const config: WidgetConfig = { agent, apiBase };
  if (data.language) config.language = data.language.trim();
  if (data.tokenUrl) config.tokenUrl = new URL(data.tokenUrl, document.baseURI).href;
  if (data.metadata) {
    try {
      const parsed = JSON.parse(data.metadata) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) config.metadata = parsed as Record<string, unknown>;
      else console.error("[oshara] data-metadata must be a JSON object; ignored");
    } catch {
      console.error("[oshara] data-metadata is not valid JSON; ignored");
    }
  }
  if (data.position === "bottom-left" || data.position === "bottom-right") config.position = data.position;
  if (data.open !== undefined && data.open !== "false") config.open = true;
  if (data.debug !== undefined && data.debug !== "false") config.debug = true;
  return config;
}
