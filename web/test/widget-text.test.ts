// @vitest-environment happy-dom
// The widget's text fallback with forms, over a stub server: a form the agent shows in its
// answer (`forms`) opens in the panel, and its outcome goes back to the agent (`form_result`),
// whose answer joins the conversation.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { FormDefinition } from "../src/sdk/types";
import { OsharaWidget } from "../src/widget/widget";

const contact: FormDefinition = {
  id: "contact",
  title: "Send us a message",
  submit_url: null,
  success_message: "Thanks!",
  fields: [
    { name: "name", label: "Name", type: "text", required: true },
    { name: "message", label: "Message", type: "textarea", required: true },
  ],
};
// Shown by the agent only (not in the visitor's menu); its definition comes with the answer.
const order: FormDefinition = {
  id: "order",
  title: "Confirm your order",
  submit_url: "https://shop.example/api/orders",
  visitor_can_open: false,
  fields: [{ name: "order", label: "Order number", type: "text", required: true }],
};

interface Seen {
  method: string;
  url: string;
  body: unknown;
  auth: string | null;
}

type Answer = { status?: number; body: unknown };

let seen: Seen[];
let messageAnswers: Answer[];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

beforeEach(() => {
  seen = [];
  messageAnswers = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const method = init?.method ?? "GET";
      const body = init?.body ? (JSON.parse(String(init.body)) as unknown) : undefined;
      seen.push({ method, url, body, auth: new Headers(init?.headers).get("Authorization") });
      if (url.endsWith("/api/agents/shop/appearance/")) {
        return json(200, { slug: "shop", name: "Ada", language: "en", theme: { primary_color: "#0F766E" }, forms: [contact], position: "bottom-right" });
      }
      if (url.endsWith("/api/agents/agent-session/")) {
        return json(200, { session_id: "sess_t", token: "tok", transport: "text", webrtc_url: null, livekit_url: null });
      }
      if (url.endsWith("/api/sessions/sess_t/messages/")) {
        const answer = messageAnswers.shift() ?? { body: { reply: "Okay.", tool_calls: [] } };
        return json(answer.status ?? 200, answer.body);
      }
      if (url.endsWith("/api/agents/shop/form-responses/")) {
        return json(201, { id: "fr_1", form_id: "contact", session_id: "sess_t", values: {}, source: "widget", created_at: "" });
      }
      if (url === "https://shop.example/api/orders") return json(200, { ok: true });
      return json(404, { detail: "not found" });
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
});

async function until<T>(check: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function mounted(): Promise<OsharaWidget> {
  const widget = new OsharaWidget({ agent: "shop", apiBase: "https://voice.example" });
  await widget.mount(document.body);
  return widget;
}

function $(widget: OsharaWidget, selector: string): HTMLElement {
  const el = widget.shadow.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

function type(widget: OsharaWidget, selector: string, value: string): void {
  const el = $(widget, selector) as HTMLInputElement | HTMLTextAreaElement;
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

function submit(widget: OsharaWidget): void {
  $(widget, ".oshara-form form").dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
}

function lines(widget: OsharaWidget): string[] {
  return Array.from(widget.shadow.querySelectorAll(".captions .line:not(.pending)")).map((el) => (el.textContent ?? "").trim());
}

const messagePosts = (): Seen[] => seen.filter((s) => s.method === "POST" && s.url.endsWith("/messages/"));

describe("text mode forms", () => {
  it("opens the form from the answer's forms and tells the agent what was submitted", async () => {
    const widget = await mounted();
    messageAnswers.push(
      {
        body: {
          reply: "Here is our contact form.",
          // A tool call alone never opens anything: only `forms` does.
          tool_calls: [{ name: "show_form", arguments: { form_id: "contact", prefill: { name: "Grace" } }, status: "ok", duration_ms: 1 }],
          forms: [{ form_id: "contact", prefill: { name: "Grace" }, form: contact }],
          greeting: "Hi! I'm Ada.",
        },
      },
      { body: { reply: "Thanks Grace, we'll write back.", tool_calls: [], ended: false } },
    );
    await widget.sendText("I want to leave a message");
    expect(($(widget, '[data-field="name"] input') as HTMLInputElement).value).toBe("Grace");
    expect(lines(widget)).toEqual(["AdaHi! I'm Ada.", "YouI want to leave a message", "AdaHere is our contact form."]);

    type(widget, '[data-field="message"] textarea', "Please call me back.");
    submit(widget);
    await until(() => messagePosts().length === 2, "the form result");
    const stored = seen.find((s) => s.url.endsWith("/form-responses/"));
    expect(stored?.body).toEqual({ form_id: "contact", values: { name: "Grace", message: "Please call me back." }, session_id: "sess_t" });
    const [first, second] = messagePosts();
    expect(first!.body).toEqual({ text: "I want to leave a message" });
    expect(second!.body).toEqual({
      form_result: { status: "submitted", form_id: "contact", values: { name: "Grace", message: "Please call me back." }, response_id: "fr_1" },
    });
    expect(second!.auth).toBe("Bearer tok");
    await until(() => lines(widget).length === 5, "the agent's answer");
    expect(lines(widget).slice(3)).toEqual(["YouSent the form “Send us a message”", "AdaThanks Grace, we'll write back."]);
    // Done closes the form; the conversation is shown again and goes on.
    ($(widget, ".form-success button") as HTMLButtonElement).click();
    expect(widget.shadow.querySelector(".oshara-form")).toBeNull();
    expect($(widget, ".captions").hidden).toBe(false);
  });

  it("reports a closed form, and shows agent-only forms from the definition it was sent", async () => {
    const widget = await mounted();
    messageAnswers.push(
      { body: { reply: "Please confirm.", tool_calls: [], forms: [{ form_id: "order", prefill: { order: "A-1" }, form: order }] } },
      { body: { reply: "No problem.", tool_calls: [] } },
    );
    await widget.sendText("confirm my order");
    expect($(widget, ".form-title").textContent).toBe("Confirm your order");
    ($(widget, ".oshara-form .form-head .icon-btn") as HTMLButtonElement).click();
    await until(() => messagePosts().length === 2, "the form result");
    expect(messagePosts()[1]!.body).toEqual({ form_result: { status: "cancelled", form_id: "order" } });
    await until(() => lines(widget).includes("AdaNo problem."), "the agent's answer");
    expect(lines(widget)).toContain("YouClosed the form “Confirm your order”");
  });

  it("tells the agent when a form cannot be shown, and offers a retry when reporting fails", async () => {
    const widget = await mounted();
    messageAnswers.push(
      { body: { reply: "Here.", tool_calls: [], forms: [{ form_id: "ghost" }] } },
      { status: 500, body: { detail: "boom" } },
      { body: { reply: "Sorry, that form is unavailable.", tool_calls: [] } },
    );
    await widget.sendText("form please");
    await until(() => messagePosts().length === 2, "the form result");
    expect(messagePosts()[1]!.body).toEqual({ form_result: { status: "cancelled", form_id: "ghost", error: 'unknown form "ghost"' } });
    const notice = await until(() => !$(widget, ".notice").hidden && $(widget, ".notice"), "the error notice");
    (notice.querySelector(".actions button") as HTMLButtonElement).click();
    await until(() => lines(widget).includes("AdaSorry, that form is unavailable."), "the retried answer");
    expect(messagePosts()).toHaveLength(3);
    expect(messagePosts()[2]!.body).toEqual(messagePosts()[1]!.body);
  });
});
