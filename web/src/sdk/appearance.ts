/** `GET /api/agents/{slug}/appearance/`: name, theme, position and full form schemas. */

import { agentPath, normalizeBaseUrl, requestJson } from "./http";
import type { Appearance, AppearanceAnswer, BaseOptions } from "./types";

export interface AppearanceOptions extends BaseOptions {
  signal?: AbortSignal;
}

/**
 * Fetch an agent's public appearance. Throws `OriginNotAllowedError` (403, the page's origin
 * is not allowed), `AgentNotFoundError` (404), `NetworkError`.
 */
export async function getAppearance(slug: string, options: AppearanceOptions): Promise<Appearance> {
  const url = `${normalizeBaseUrl(options.baseUrl)}/api/agents/${agentPath(slug)}/appearance/`;
  const req: Parameters<typeof requestJson>[2] = {};
  if (options.fetch) req.fetch = options.fetch;
  if (options.signal) req.signal = options.signal;
  const appearance = await requestJson<AppearanceAnswer>(url, "agent", req);
  return {
    ...appearance,
    theme: appearance.theme ?? {},
    forms: appearance.forms ?? [],
    position: appearance.position ?? "bottom-right",
  };
}
