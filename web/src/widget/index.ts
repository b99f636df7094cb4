/**
 * `<script src="https://voice.example.com/widget.js" data-agent="support-bot" async></script>`
 *
 * Data attributes: `data-agent` (required), `data-api-base` (default: the origin this file was
 * loaded from), `data-language`, `data-token-url` (guide, Pattern 1), `data-metadata` (JSON
 * object), `data-position` (`bottom-right` | `bottom-left`), `data-open` (open on load).
 * JavaScript API: `window.Oshara` — open, close, toggle, start, end, mute, on, showForm,
 * openForm. A `oshara:ready` event is dispatched on `window` once it exists.
 */

import type { Caption, CallState } from "../sdk/call";
import type { Appearance, FormOutcome, ShowFormRequest } from "../sdk/types";
import { readConfig } from "./config";
import { OsharaWidget, type WidgetEvents } from "./widget";

export interface OsharaApi {
  readonly version: string;
  readonly widget: OsharaWidget;
  open(): void;
  close(): void;
  toggle(): void;
  /** Start a voice call. */
  start(): Promise<void>;
  /** End the call (and the text conversation). */
  end(): Promise<void>;
  mute(muted?: boolean): void;
  on<K extends keyof WidgetEvents>(event: K, listener: (...args: WidgetEvents[K]) => void): () => void;
  /** The agent's `show_form` hook: resolves with `{status, values?, response_id?}`. */
  showForm(request: ShowFormRequest): Promise<FormOutcome>;
  /** Open one of the forms the visitor may open. */
  openForm(formId: string): Promise<FormOutcome>;
  readonly appearance: Appearance | undefined;
}

declare global {
  interface Window {
    Oshara?: OsharaApi;
  }
}

export type { Caption, CallState };

const VERSION = "0.1.0";

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.agent !== undefined) return current;
  return document.querySelector<HTMLScriptElement>("script[data-agent][src*='widget.js']");
}

function createApi(widget: OsharaWidget): OsharaApi {
  return {
    version: VERSION,
    widget,
    open: () => widget.open(),
    close: () => widget.close(),
    toggle: () => widget.toggle(),
    start: () => widget.start(),
    end: () => widget.end(),
    mute: (muted = true) => widget.setMuted(muted),
    on: (event, listener) => widget.events.on(event, listener),
    showForm: (request) => widget.showForm(request),
    openForm: (formId) => widget.openForm(formId),
    get appearance() {
      return widget.appearance;
    },
  };
}

function boot(): void {
  if (window.Oshara) {
    console.warn("[oshara] widget.js was loaded twice; keeping the first widget");
    return;
  }
  const script = findScript();
  if (!script) {
    console.error("[oshara] could not find the widget's <script data-agent=…> tag");
    return;
  }
  const config = readConfig(script);
  if (!config) return;
  const widget = new OsharaWidget(config);
  const api = createApi(widget);
  window.Oshara = api;
  const mount = (): void => {
    void widget.mount(document.body);
    window.dispatchEvent(new CustomEvent("oshara:ready", { detail: api }));
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
}

boot();
