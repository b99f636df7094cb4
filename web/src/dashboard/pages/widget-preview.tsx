// Live previews built from the widget's own code: its stylesheet (adopted in a shadow root, as
// the widget does: constructed sheets pass the dashboard's `style-src 'self'`), its DOM helpers
// and its form renderer. Theme values go on the host as custom properties through
// `style.setProperty`, like web/src/widget/widget.ts `applyAppearance`.
import { useEffect, useRef } from "preact/hooks";
import { readableOn, normalizeColor } from "../../widget/color";
import { h, icon, ICONS } from "../../widget/dom";
import { FormView, type FormViewOptions } from "../../widget/form-view";
import { WIDGET_CSS } from "../../widget/styles";
import type { SubmitResult } from "../../sdk/forms";
import type { FormDefinition, FormOutcome, FormValues } from "../../sdk/types";

// In the preview the widget sits in a box on the page instead of the viewport's corner.
const PREVIEW_CSS = `
.root { position: absolute; }
.panel { animation: none; width: min(380px, calc(100cqw - 40px)); max-height: none; }
.head .title-text { margin: 0; font-size: 16px; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.preview-form { padding: 12px 16px; background: var(--o-bg); color: var(--o-text); font-family: var(--o-font); font-size: 15px; line-height: 1.45; }
`;

function shadowFor(host: HTMLElement): ShadowRoot {
  if (host.shadowRoot) return host.shadowRoot;
  const shadow = host.attachShadow({ mode: "open" });
  const sheets = [WIDGET_CSS, PREVIEW_CSS].map((css) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    return sheet;
  });
  shadow.adoptedStyleSheets = sheets;
  return shadow;
}

function applyColor(host: HTMLElement, color: string): void {
  const primary = color.trim() ? normalizeColor(color.trim()) : undefined;
  if (primary) {
    host.style.setProperty("--o-primary", primary);
    host.style.setProperty("--o-on-primary", readableOn(primary));
  } else {
    host.style.removeProperty("--o-primary");
    host.style.removeProperty("--o-on-primary");
  }
}

/** The widget's launcher and open panel, themed as typed. */
export function WidgetLookPreview({ name, color, position }: { name: string; color: string; position: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = ref.current;
    if (!host) return;
    const shadow = shadowFor(host);
    const shown = name.trim() || "Assistant";
    applyColor(host, color);
    const panel = h(
      "section",
      { class: "panel", "aria-label": `${shown} (preview)` },
      h("div", { class: "head" },
        h("span", { class: "avatar", "aria-hidden": "true" }, (Array.from(shown)[0] ?? "·").toUpperCase()),
        h("div", { class: "titles" }, h("p", { class: "title-text" }, shown), h("p", { class: "status", "data-state": "idle" }, h("span", { class: "dot", "aria-hidden": "true" }), "Ready to talk")),
      ),
      h("div", { class: "main" }, h("p", { class: "intro" }, `Press “Start call” to talk to ${shown}, or type a message below.`)),
      h("div", { class: "controls" }, h("span", { class: "btn primary grow" }, icon(ICONS.phone, 18), h("span", {}, "Start call"))),
    );
    const launcher = h("span", { class: "launcher", "aria-hidden": "true" }, icon(ICONS.mic, 28));
    const root = h("div", { class: position === "bottom-left" ? "root left" : "root" }, panel, launcher);
    shadow.replaceChildren(root);
  }, [name, color, position]);
  return <div ref={ref} class="widget-preview" data-testid="look-preview" data-position={position} />;
}

/** A form as the widget renders it (its FormView); submitting only shows the success message. */
export function FormPreview({ form, color }: { form: FormDefinition | null; color?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = ref.current;
    if (!host) return;
    const shadow = shadowFor(host);
    applyColor(host, color ?? "");
    if (!form) {
      shadow.replaceChildren();
      return;
    }
    const view = new FormView({
      form,
      idPrefix: "fbpreview",
      submit: () => Promise.resolve({ message: form.success_message ?? "Submitted successfully." }),
      onClose: () => undefined,
    });
    shadow.replaceChildren(h("div", { class: "preview-form" }, view.element));
  }, [form, color]);
  return <div ref={ref} class="form-preview" data-testid="form-preview" />;
}

/**
 * A form the agent showed during a conversation, rendered by the widget's FormView as the
 * widget renders it. `submit` sends the values (as the widget does, through the SDK); `onOutcome`
 * is called once, as soon as the form was sent or closed; `onDone` when the visitor leaves it.
 */
export function LiveForm({ form, prefill, idPrefix, submit, onOutcome, onDone }: {
  form: FormDefinition;
  prefill?: Record<string, unknown> | undefined;
  idPrefix: string;
  submit: (values: FormValues) => Promise<SubmitResult>;
  onOutcome: (outcome: FormOutcome) => void;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const handlers = useRef({ submit, onOutcome, onDone });
  handlers.current = { submit, onOutcome, onDone };
  useEffect(() => {
    const host = ref.current;
    if (!host) return;
    const shadow = shadowFor(host);
    let settled = false;
    const settle = (outcome: FormOutcome): void => {
      if (settled) return;
      settled = true;
      handlers.current.onOutcome(outcome);
    };
    const options: FormViewOptions = {
      form,
      idPrefix,
      submit: (values) => handlers.current.submit(values),
      onSubmitted: settle,
      onClose: (outcome) => {
        settle(outcome);
        handlers.current.onDone();
      },
    };
    if (prefill) options.prefill = prefill;
    const view = new FormView(options);
    shadow.replaceChildren(h("div", { class: "preview-form" }, view.element));
    return () => shadow.replaceChildren();
  }, [form, prefill, idPrefix]);
  return <div ref={ref} class="form-preview" data-testid="try-form" />;
}
