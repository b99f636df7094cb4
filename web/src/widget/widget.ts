/**
 * The embeddable widget: launcher, panel (call, captions, text input, forms), all inside a
 * shadow root. Built only on the SDK (`../sdk`); no network access of its own.
 */

import { getAppearance } from "../sdk/appearance";
import { type Caption, type CallState, VoiceCall } from "../sdk/call";
import { Emitter } from "../sdk/emitter";
import { OsharaError } from "../sdk/errors";
import { submitForm } from "../sdk/forms";
import { startTextSession, type TextChat, type TextReply } from "../sdk/text";
import type { Appearance, FormDefinition, FormOutcome, FormValues, ShowFormRequest } from "../sdk/types";
import { normalizeColor, readableOn } from "./color";
import { h, icon, ICONS } from "./dom";
import { FormView } from "./form-view";
import { describeError } from "./messages";
import { WIDGET_CSS } from "./styles";

export interface WidgetConfig {
  /** The character's slug (`data-agent`). */
  agent: string;
  /** Oshara server (`data-api-base`, default: the origin widget.js was loaded from). */
  apiBase: string;
  language?: string;
  /** Guide, Pattern 1 (`data-token-url`). */
  tokenUrl?: string;
  metadata?: Record<string, unknown>;
  /** Overrides the theme's position (`data-position`). */
  position?: "bottom-right" | "bottom-left";
  /** Open the panel once loaded (`data-open`). */
  open?: boolean;
  /** Log the voice client's protocol messages to the console (`data-debug`). */
  debug?: boolean;
}

export type WidgetEvents = {
  ready: [Appearance];
  open: [];
  close: [];
  state: [CallState];
  caption: [Caption];
  error: [{ code: string; message: string }];
  form: [FormOutcome];
};

interface ActiveForm {
  view: FormView;
  resolve: ((outcome: FormOutcome) => void) | undefined;
}

interface NoticeAction {
  label: string;
  run: () => void;
}

let instances = 0;

export class OsharaWidget {
  readonly config: WidgetConfig;
  readonly events = new Emitter<WidgetEvents>();
  appearance: Appearance | undefined;
  private appearanceError: OsharaError | undefined;
  private call: VoiceCall | undefined;
  private chat: TextChat | undefined;
  private chatStarting: Promise<TextChat> | undefined;
  private activeForm: ActiveForm | undefined;
  private readonly prefix: string;
  private formCount = 0;
  private notes = 0;
  private calls = 0;
  private callState: CallState = "idle";

  readonly host: HTMLElement;
  readonly shadow: ShadowRoot;
  private readonly root: HTMLElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly avatarEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly noticeEl: HTMLElement;
  private readonly mainEl: HTMLElement;
  private readonly introEl: HTMLElement;
  private readonly captionsEl: HTMLElement;
  private readonly formHost: HTMLElement;
  private readonly formsMenu: HTMLElement;
  private readonly callBtn: HTMLButtonElement;
  private readonly muteBtn: HTMLButtonElement;
  private readonly endBtn: HTMLButtonElement;
  private readonly composer: HTMLFormElement;
  private readonly textInput: HTMLInputElement;
  private readonly sendBtn: HTMLButtonElement;
  private readonly announcer: HTMLElement;

  constructor(config: WidgetConfig) {
    this.config = config;
    instances += 1;
    this.prefix = `oshara${instances}`;
    const p = this.prefix;

    this.host = h("div", { "data-oshara-widget": config.agent });
    // Inline and important: beats even `* { … !important }` in the page's stylesheets.
    this.host.style.setProperty("all", "initial", "important");
    this.shadow = this.host.attachShadow({ mode: "open" });
    this.installStyles();

    this.launcher = h(
      "button",
      { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": `${p}-panel`, "aria-label": "Open voice assistant" },
      icon(ICONS.mic, 28),
    );
    this.avatarEl = h("span", { class: "avatar", "aria-hidden": "true" }, "·");
    this.titleEl = h("h2", { id: `${p}-title` }, "Assistant");
    this.statusText = h("span", {}, "Loading…");
    this.statusEl = h("p", { class: "status", role: "status", "data-state": "idle" }, h("span", { class: "dot", "aria-hidden": "true" }), this.statusText);
    const closeBtn = h("button", { type: "button", class: "icon-btn", "aria-label": "Close assistant" }, icon(ICONS.close, 20));
    this.noticeEl = h("div", { class: "notice", role: "alert", hidden: true });
    this.introEl = h("p", { class: "intro" });
    this.captionsEl = h("ol", { class: "captions", role: "log", "aria-label": "Conversation", "aria-live": "polite" });
    this.formHost = h("div", { class: "form-host", hidden: true });
    this.mainEl = h("div", { class: "main" }, this.introEl, this.captionsEl, this.formHost);
    this.formsMenu = h("div", { class: "forms-menu", hidden: true });
    this.callBtn = h("button", { type: "button", class: "btn primary grow", disabled: true }, icon(ICONS.phone, 18), h("span", {}, "Start call"));
    this.muteBtn = h("button", { type: "button", class: "btn secondary", "aria-pressed": "false", hidden: true }, icon(ICONS.mic, 18), h("span", {}, "Mute"));
    this.endBtn = h("button", { type: "button", class: "btn danger grow", hidden: true }, icon(ICONS.phoneOff, 18), h("span", {}, "End call"));
    this.textInput = h("input", { type: "text", id: `${p}-text`, autocomplete: "off", placeholder: "Type a message…", maxlength: "2000", disabled: true });
    this.sendBtn = h("button", { type: "submit", class: "icon-btn", "aria-label": "Send message", disabled: true }, icon(ICONS.send, 18));
    this.composer = h(
      "form",
      { class: "composer", "aria-label": "Type to the assistant" },
      h("label", { for: `${p}-text`, class: "sr-only" }, "Type a message"),
      this.textInput,
      this.sendBtn,
    );
    this.announcer = h("div", { class: "sr-only", "aria-live": "polite" });
    this.panel = h(
      "section",
      { id: `${p}-panel`, class: "panel", role: "dialog", "aria-labelledby": `${p}-title`, hidden: true },
      h("div", { class: "head" }, this.avatarEl, h("div", { class: "titles" }, this.titleEl, this.statusEl), closeBtn),
      this.noticeEl,
      this.mainEl,
      this.formsMenu,
      h("div", { class: "controls" }, this.callBtn, this.muteBtn, this.endBtn),
      this.composer,
    );
    this.root = h("div", { class: "root" }, this.panel, this.launcher, this.announcer);
    this.shadow.append(this.root);
    this.applyPosition(config.position ?? "bottom-right");

    this.launcher.addEventListener("click", () => this.toggle());
    closeBtn.addEventListener("click", () => this.close());
    this.callBtn.addEventListener("click", () => void this.start());
    this.endBtn.addEventListener("click", () => void this.end());
    this.muteBtn.addEventListener("click", () => this.setMuted(!(this.call?.muted ?? false)));
    this.composer.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = this.textInput.value.trim();
      if (!text) return;
      this.textInput.value = "";
      void this.sendText(text);
    });
    this.panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.stopPropagation();
        this.close();
      }
    });
  }

  private installStyles(): void {
    const adopt = "adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype;
    if (adopt) {
      // Constructed sheets are not subject to a host page's `style-src` CSP.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(WIDGET_CSS);
      this.shadow.adoptedStyleSheets = [sheet];
    } else {
      this.shadow.append(h("style", {}, WIDGET_CSS));
    }
  }

  private applyPosition(position: string): void {
    this.root.classList.toggle("left", position === "bottom-left");
  }

  /** Attach to the page and load the agent's appearance. */
  async mount(parent: HTMLElement = document.body): Promise<void> {
    parent.append(this.host);
    await this.loadAppearance();
    if (this.config.open) this.open();
  }

  /** Remove from the page, ending any call. */
  async destroy(): Promise<void> {
    await this.end();
    this.host.remove();
  }

  private async loadAppearance(): Promise<void> {
    this.setStatus("idle", "Loading…");
    try {
      const appearance = await getAppearance(this.config.agent, { baseUrl: this.config.apiBase });
      this.appearance = appearance;
      this.appearanceError = undefined;
      this.applyAppearance(appearance);
      this.clearNotice();
      this.setStatus("idle", "Ready to talk");
      this.events.emit("ready", appearance);
    } catch (err) {
      const error = err instanceof OsharaError ? err : new OsharaError("network_error", String(err));
      this.appearanceError = error;
      this.root.classList.add("unavailable");
      this.launcher.setAttribute("aria-label", "Voice assistant (unavailable)");
      this.titleEl.textContent = "Assistant unavailable";
      this.setStatus("error", "Unavailable");
      this.callBtn.disabled = true;
      this.setComposerEnabled(false);
      const retryable = error.code === "network_error" || error.code === "http_error" || error.code === "rate_limited";
      this.showError(error, retryable ? [{ label: "Try again", run: () => void this.loadAppearance() }] : []);
    }
  }

  private applyAppearance(appearance: Appearance): void {
    const theme = appearance.theme ?? {};
    const style = this.host.style;
    const primary = theme.primary_color ? normalizeColor(theme.primary_color) : undefined;
    if (primary) {
      style.setProperty("--o-primary", primary);
      style.setProperty("--o-on-primary", readableOn(primary));
    }
    const bg = theme.background_color ? normalizeColor(theme.background_color) : undefined;
    if (bg) style.setProperty("--o-bg", bg);
    const text = theme.text_color ? normalizeColor(theme.text_color) : undefined;
    if (text) style.setProperty("--o-text", text);
    if (typeof theme.font_family === "string") style.setProperty("--o-font", theme.font_family);
    if (theme.border_radius !== undefined) {
      const r = typeof theme.border_radius === "number" ? `${theme.border_radius}px` : String(theme.border_radius);
      style.setProperty("--o-radius", r);
    }
    this.applyPosition(this.config.position ?? appearance.position ?? theme.position ?? "bottom-right");
    const name = appearance.name || "Assistant";
    this.titleEl.textContent = name;
    this.avatarEl.textContent = (Array.from(name)[0] ?? "·").toUpperCase();
    this.root.classList.remove("unavailable");
    this.launcher.setAttribute("aria-label", `Talk to ${name}`);
    this.introEl.textContent = `Press “Start call” to talk to ${name}, or type a message below.`;
    this.callBtn.disabled = false;
    this.setComposerEnabled(true);
    this.renderFormsMenu();
  }

  private renderFormsMenu(): void {
    const forms = (this.appearance?.forms ?? []).filter((f) => f.visitor_can_open !== false);
    this.formsMenu.replaceChildren();
    if (forms.length === 0 || this.activeForm) {
      this.formsMenu.hidden = true;
      return;
    }
    this.formsMenu.append(h("span", { class: "label", id: `${this.prefix}-forms` }, "Forms:"));
    for (const form of forms) {
      const chip = h("button", { type: "button", class: "chip", "data-open-form": form.id, "aria-describedby": `${this.prefix}-forms` }, icon(ICONS.form, 16), form.title);
      chip.addEventListener("click", () => void this.openForm(form.id));
      this.formsMenu.append(chip);
    }
    this.formsMenu.hidden = false;
  }

  private setComposerEnabled(enabled: boolean): void {
    this.textInput.disabled = !enabled;
    this.sendBtn.disabled = !enabled;
  }

  // ------------------------------------------------------------------ panel

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  open(): void {
    if (this.isOpen) return;
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close voice assistant");
    this.launcher.replaceChildren(icon(ICONS.close, 26));
    if (this.activeForm) this.activeForm.view.focusStart();
    else if (!this.callBtn.hidden && !this.callBtn.disabled) this.callBtn.focus();
    else if (!this.endBtn.hidden) this.endBtn.focus();
    else this.panel.querySelector<HTMLElement>(".head .icon-btn")?.focus();
    this.events.emit("open");
  }

  close(): void {
    if (!this.isOpen) return;
    const hadFocus = this.shadow.activeElement !== null;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", this.appearance ? `Talk to ${this.appearance.name}` : "Open voice assistant");
    this.launcher.replaceChildren(icon(ICONS.mic, 28));
    if (hadFocus) this.launcher.focus();
    this.events.emit("close");
  }

  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  // ------------------------------------------------------------------ notices, status, captions

  private announce(message: string): void {
    this.announcer.textContent = "";
    // A fresh text node makes screen readers announce repeated messages too.
    setTimeout(() => (this.announcer.textContent = message), 30);
  }

  private setStatus(state: "idle" | "connecting" | "connected" | "error", text: string): void {
    this.statusEl.setAttribute("data-state", state);
    this.statusText.textContent = text;
  }

  private showError(err: unknown, actions: NoticeAction[] = []): void {
    const { message, detail } = describeError(err, this.config.agent);
    const code = err instanceof OsharaError ? err.code : "error";
    this.noticeEl.replaceChildren(h("p", { class: "message" }, message));
    if (detail) this.noticeEl.append(h("p", { class: "detail" }, detail));
    this.noticeEl.setAttribute("data-code", code);
    if (actions.length > 0) {
      const row = h("div", { class: "actions" });
      for (const action of actions) {
        const btn = h("button", { type: "button", class: "btn secondary small" }, action.label);
        btn.addEventListener("click", () => action.run());
        row.append(btn);
      }
      this.noticeEl.append(row);
    }
    this.noticeEl.hidden = false;
    this.events.emit("error", { code, message: detail ? `${message} ${detail}` : message });
  }

  private clearNotice(): void {
    this.noticeEl.hidden = true;
    this.noticeEl.replaceChildren();
    this.noticeEl.removeAttribute("data-code");
  }

  private line(id: string, role: "user" | "agent", text: string, state: "final" | "interim" | "pending"): HTMLElement {
    let el = this.captionsEl.querySelector<HTMLElement>(`[data-line="${CSS.escape(id)}"]`);
    if (!el) {
      el = h("li", { class: `line ${role}`, "data-line": id });
      this.captionsEl.append(el);
    }
    const who = role === "user" ? "You" : (this.appearance?.name ?? "Assistant");
    el.replaceChildren(h("span", { class: "who" }, who), text);
    el.classList.toggle("interim", state === "interim");
    el.classList.toggle("pending", state === "pending");
    this.introEl.hidden = true;
    this.mainEl.scrollTop = this.mainEl.scrollHeight;
    return el;
  }

  private onCaption(caption: Caption, callNumber: number): void {
    // Caption ids restart with each call: the call's number keeps a new call's lines apart.
    this.line(`v${callNumber}-${caption.id}`, caption.role, caption.text, caption.final ? "final" : "interim");
    this.events.emit("caption", caption);
  }

  // ------------------------------------------------------------------ voice call

  /** Start a voice call (asks for the microphone); opens the panel. */
  async start(): Promise<void> {
    this.open();
    if (this.appearanceError) return;
    if (this.call && (this.call.state === "connecting" || this.call.state === "connected")) return;
    this.clearNotice();
    const callNumber = ++this.calls;
    const options: ConstructorParameters<typeof VoiceCall>[0] = {
      agent: this.config.agent,
      baseUrl: this.config.apiBase,
      onShowForm: (req) => this.showForm(req),
      handlers: {
        state: (state) => this.onCallState(state),
        caption: (caption) => this.onCaption(caption, callNumber),
        agentSpeaking: (speaking) => {
          if (this.callState === "connected") this.setStatus("connected", speaking ? "Speaking…" : "Listening…");
        },
        muted: (muted) => {
          this.muteBtn.setAttribute("aria-pressed", String(muted));
          this.muteBtn.replaceChildren(icon(muted ? ICONS.micOff : ICONS.mic, 18), h("span", {}, muted ? "Unmute" : "Mute"));
          if (this.callState === "connected") this.setStatus("connected", muted ? "Muted" : "Listening…");
        },
      },
    };
    if (this.config.language) options.language = this.config.language;
    if (this.config.metadata) options.metadata = this.config.metadata;
    if (this.config.tokenUrl) options.tokenUrl = this.config.tokenUrl;
    if (this.config.debug) options.debug = true;
    const call = new VoiceCall(options);
    this.call = call;
    call.on("ended", ({ reason, error }) => {
      if (this.call !== call) return;
      if (reason === "remote") this.announce("The assistant ended the call");
      if (error) this.onCallError(error);
    });
    try {
      await call.connect();
      this.announce("Call connected");
    } catch {
      /* reported through the "ended" event */
    }
  }

  private onCallError(error: OsharaError): void {
    const actions: NoticeAction[] = [];
    if (error.code === "microphone_denied" || error.code === "microphone_unavailable") {
      this.showError(error, [{ label: "Try again", run: () => void this.start() }]);
      this.textInput.focus();
      return;
    }
    if (error.code === "connection_lost") actions.push({ label: "Reconnect", run: () => void this.start() });
    else if (error.code === "connection_failed" || error.code === "network_error" || error.code === "rate_limited") {
      actions.push({ label: "Try again", run: () => void this.start() });
    }
    this.showError(error, actions);
  }

  private onCallState(state: CallState): void {
    this.callState = state;
    const inCall = state === "connecting" || state === "connected";
    this.callBtn.hidden = inCall;
    this.muteBtn.hidden = state !== "connected";
    this.endBtn.hidden = !inCall;
    const focusInControls = this.shadow.activeElement === this.callBtn || this.shadow.activeElement === this.endBtn;
    if (state === "connecting") this.setStatus("connecting", "Connecting…");
    else if (state === "connected") this.setStatus("connected", "Listening…");
    else if (state === "ended") this.setStatus("idle", "Call ended");
    else if (state === "failed") this.setStatus("error", "Call failed");
    if (focusInControls) (inCall ? this.endBtn : this.callBtn).focus();
    if (!inCall) {
      this.muteBtn.setAttribute("aria-pressed", "false");
      this.muteBtn.replaceChildren(icon(ICONS.mic, 18), h("span", {}, "Mute"));
    }
    this.events.emit("state", state);
  }

  /** Hang up the voice call and close the text conversation. */
  async end(): Promise<void> {
    const call = this.call;
    if (call) await call.end();
    this.chat?.end();
    this.chat = undefined;
  }

  setMuted(muted: boolean): void {
    this.call?.setMuted(muted);
  }

  // ------------------------------------------------------------------ text

  private textLine = 0;

  /** Send a typed message: into the voice call when connected, else over text mode. */
  async sendText(text: string): Promise<void> {
    const n = this.textLine++;
    if (this.call?.state === "connected") {
      this.line(`t-u${n}`, "user", text, "final");
      try {
        await this.call.sendText(text);
      } catch (err) {
        this.showError(err);
      }
      return;
    }
    if (this.appearanceError) return;
    this.clearNotice();
    const userLine = this.line(`t-u${n}`, "user", text, "final");
    await this.textTurn(n, userLine, async () => (await this.ensureChat()).send(text), () => void this.sendText(text));
  }

  /**
   * One text-mode exchange: a pending agent line, then the reply (or an error notice with
   * `retry`). The conversation's first answer brings the greeting, shown before `userLine`.
   */
  private async textTurn(n: number, userLine: HTMLElement | null, run: () => Promise<TextReply>, retry: () => void): Promise<void> {
    const pending = this.line(`t-a${n}`, "agent", "", "pending");
    try {
      const reply = await run();
      if (reply.greeting) this.captionsEl.insertBefore(this.line(`t-g${n}`, "agent", reply.greeting, "final"), userLine ?? pending);
      if (reply.reply) this.line(`t-a${n}`, "agent", reply.reply, "final");
      else pending.remove();
      if (reply.ended) this.announce("The assistant ended the conversation");
    } catch (err) {
      pending.remove();
      this.showError(err, [{ label: "Try again", run: retry }]);
    }
  }

  /**
   * A form the agent showed in text mode: once the visitor submits or closes it, the outcome
   * goes back to the agent (`form_result`), whose answer joins the conversation.
   */
  private async showTextForm(chat: TextChat, request: ShowFormRequest): Promise<void> {
    const outcome = await this.showForm(request);
    if (chat.ended || this.chat !== chat) return;
    const n = this.textLine++;
    const send = (): void => {
      if (chat.ended) return;
      this.clearNotice();
      void this.textTurn(n, null, () => chat.sendFormResult(outcome), send);
    };
    send();
  }

  private async ensureChat(): Promise<TextChat> {
    if (this.chat && !this.chat.ended) return this.chat;
    if (!this.chatStarting) {
      const options: Parameters<typeof startTextSession>[0] = { agent: this.config.agent, baseUrl: this.config.apiBase };
      if (this.config.language) options.language = this.config.language;
      if (this.config.metadata) options.metadata = this.config.metadata;
      if (this.config.tokenUrl) options.tokenUrl = this.config.tokenUrl;
      this.chatStarting = startTextSession(options)
        .then((chat) => {
          chat.on("showForm", (req) => void this.showTextForm(chat, req));
          this.chat = chat;
          return chat;
        })
        .finally(() => {
          this.chatStarting = undefined;
        });
    }
    return this.chatStarting;
  }

  // ------------------------------------------------------------------ forms

  private currentSessionId(): string | undefined {
    if (this.call && (this.call.state === "connected" || this.call.state === "connecting")) return this.call.session?.session_id;
    if (this.chat && !this.chat.ended) return this.chat.session.session_id;
    return undefined;
  }

  /** The visitor opens a form from the panel (only forms with `visitor_can_open !== false`). */
  async openForm(formId: string): Promise<FormOutcome> {
    const form = this.appearance?.forms.find((f) => f.id === formId);
    if (!form || form.visitor_can_open === false) {
      return { status: "cancelled", form_id: formId, error: `unknown form ${JSON.stringify(formId)}` };
    }
    return this.presentForm(form, undefined);
  }

  /**
   * The agent's `show_form` tool: open the panel with the form (prefilled) and resolve with
   * the outcome once it is submitted or cancelled. The call layer returns it to the agent.
   */
  async showForm(request: ShowFormRequest): Promise<FormOutcome> {
    const form = this.findForm(request);
    if (!form) return { status: "cancelled", form_id: request.form_id, error: `unknown form ${JSON.stringify(request.form_id)}` };
    this.open();
    const outcome = await this.presentForm(form, request.prefill);
    // The conversation shows what became of the agent's form (voice and text alike).
    const title = form.title.trim() || form.id;
    const note = outcome.status === "submitted" ? `Sent the form “${title}”` : `Closed the form “${title}”`;
    this.notes += 1;
    this.line(`f-${this.notes}`, "user", note, "final").classList.add("note");
    return outcome;
  }

  /** The agent's form: from the appearance, else the definition the server sent along. */
  private findForm(request: ShowFormRequest): FormDefinition | undefined {
    const known = this.appearance?.forms.find((f) => f.id === request.form_id);
    if (known) return known;
    return request.form && request.form.id === request.form_id ? request.form : undefined;
  }

  private presentForm(form: FormDefinition, prefill: Record<string, unknown> | undefined): Promise<FormOutcome> {
    if (this.activeForm) this.activeForm.view.close();
    this.formCount += 1;
    let lastBody = "";
    let lastKey = "";
    return new Promise<FormOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: FormOutcome): void => {
        if (settled) return;
        settled = true;
        this.events.emit("form", outcome);
        resolve(outcome);
      };
      const options: ConstructorParameters<typeof FormView>[0] = {
        form,
        idPrefix: `${this.prefix}-form${this.formCount}`,
        announce: (message) => this.announce(message),
        submit: (values: FormValues) => {
          const body = JSON.stringify(values);
          if (body !== lastBody) {
            lastBody = body;
            lastKey = randomKey();
          }
          const submitOptions: Parameters<typeof submitForm>[2] = { agent: this.config.agent, baseUrl: this.config.apiBase, idempotencyKey: lastKey };
          const sessionId = this.currentSessionId();
          if (sessionId) submitOptions.sessionId = sessionId;
          return submitForm(form, values, submitOptions);
        },
        onSubmitted: (outcome) => settle(outcome),
        onClose: (outcome) => {
          settle(outcome);
          if (this.activeForm?.view === view) this.hideForm();
        },
      };
      if (prefill) options.prefill = prefill;
      const view = new FormView(options);
      this.activeForm = { view, resolve: settle };
      this.formHost.replaceChildren(view.element);
      this.formHost.hidden = false;
      this.composer.hidden = true;
      this.captionsEl.hidden = true;
      this.introEl.hidden = true;
      this.renderFormsMenu();
      if (!this.isOpen) this.open();
      view.focusStart();
    });
  }

  private hideForm(): void {
    const hadFocus = this.shadow.activeElement !== null && this.formHost.contains(this.shadow.activeElement);
    this.activeForm = undefined;
    this.formHost.replaceChildren();
    this.formHost.hidden = true;
    this.composer.hidden = false;
    this.captionsEl.hidden = false;
    this.introEl.hidden = this.captionsEl.childElementCount > 0;
    this.renderFormsMenu();
    if (hadFocus) {
      const target = !this.callBtn.hidden && !this.callBtn.disabled ? this.callBtn : this.textInput;
      target.focus();
    }
  }
}

function randomKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
