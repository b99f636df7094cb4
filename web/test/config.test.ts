// @vitest-environment happy-dom
// The embed's data attributes.
import { describe, expect, it, vi } from "vitest";

import { readConfig } from "../src/widget/config";

function script(attrs: Record<string, string>, src = "https://voice.example.com/widget.js"): HTMLScriptElement {
  const el = document.createElement("script");
  el.src = src;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

describe("readConfig", () => {
  it("defaults the API base to the script's own origin", () => {
    expect(readConfig(script({ "data-agent": "support-bot" }))).toEqual({ agent: "support-bot", apiBase: "https://voice.example.com" });
  });

  it("reads every option", () => {
    const config = readConfig(
      script({
        "data-agent": "bot",
        "data-api-base": "https://api.example.org",
        "data-language": "de",
        "data-token-url": "/your-api/voice-token",
        "data-metadata": '{"user_name": "Ada", "tier": "pro"}',
        "data-position": "bottom-left",
        "data-open": "",
      }),
    );
    expect(config).toEqual({
      agent: "bot",
      apiBase: "https://api.example.org",
      language: "de",
      tokenUrl: new URL("/your-api/voice-token", document.baseURI).href,
      metadata: { user_name: "Ada", tier: "pro" },
      position: "bottom-left",
      open: true,
    });
  });

  it("ignores bad metadata and refuses a missing agent, saying why", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(readConfig(script({ "data-agent": "bot", "data-metadata": "{nope" }))?.metadata).toBeUndefined();
    expect(readConfig(script({ "data-agent": "bot", "data-metadata": "[1]" }))?.metadata).toBeUndefined();
    expect(readConfig(script({}))).toBeUndefined();
    expect(error.mock.calls.map((c) => String(c[0]))).toEqual([
      "[oshara] data-metadata is not valid JSON; ignored",
      "[oshara] data-metadata must be a JSON object; ignored",
      '[oshara] widget.js needs data-agent="your-agent-slug" on its <script> tag',
    ]);
    error.mockRestore();
  });
});
