// The dashboard's API layer and state: token refresh scheduling, 401 handling, field errors.
import { describe, expect, it } from "vitest";
import { Api, type FetchFn } from "../src/dashboard/api/client";
import { ApiError, SessionExpiredError, mapFieldErrors } from "../src/dashboard/api/errors";
import { type Clock, type KeyValueStorage, refreshDelay, tokenExpiry } from "../src/dashboard/api/session";
import { checkAgentForm, originLines, promptVariables, updateBody, valuesFromAgent } from "../src/dashboard/state/agent-form";
import { DraftStore } from "../src/dashboard/state/drafts";
import { TEMPLATES } from "../src/dashboard/state/templates";
import { modelChoices, modelNote } from "../src/dashboard/state/models";
import { matchesSearch } from "../src/dashboard/pages/agents";

function jwt(expSeconds: number, extra = ""): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "HS256" })}.${b64({ exp: expSeconds, sub: "u" + extra })}.sig`;
}

class MemoryStorage implements KeyValueStorage {
  map = new Map<string, string>();
  getItem(k: string): string | null { return this.map.get(k) ?? null; }
  setItem(k: string, v: string): void { this.map.set(k, v); }
  removeItem(k: string): void { this.map.delete(k); }
  get length(): number { return this.map.size; }
  key(i: number): string | null { return [...this.map.keys()][i] ?? null; }
}

class FakeClock implements Clock {
  t = 1_000_000_000_000;
  timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now(): number { return this.t; }
  setTimer(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown): void { this.timers = this.timers.filter((x) => x.id !== h); }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const timer of this.timers.filter((x) => x.at <= this.t)) {
      this.clearTimer(timer.id);
      timer.fn();
    }
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  }
}

type Handler = (path: string, init: RequestInit) => Response | Promise<Response>;
function fakeFetch(handler: Handler): FetchFn & { calls: { path: string; auth: string | null; body: unknown }[] } {
  const calls: { path: string; auth: string | null; body: unknown }[] = [];
  const fn = (async (path: string, init: RequestInit = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    calls.push({ path, auth: headers.Authorization ?? null, body: init.body ? JSON.parse(String(init.body)) : undefined });
    return handler(path, init);
  }) as FetchFn & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}
const json = (status: number, body: unknown): Response =>
  new Response(body === null ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("tokens", () => {
  it("reads a JWT's expiry and schedules the refresh a minute before it", () => {
    expect(tokenExpiry(jwt(2_000))).toBe(2_000_000);
    expect(tokenExpiry("not-a-jwt")).toBeNull();
    expect(refreshDelay(10 * 60_000, 0)).toBe(9 * 60_000);
    expect(refreshDelay(60_000, 0)).toBe(30_000); // short-lived: halfway
    expect(refreshDelay(0, 5_000)).toBe(0);
    expect(refreshDelay(Number.MAX_SAFE_INTEGER, 0)).toBe(2 ** 31 - 1);
  });

  it("refreshes in the background before expiry, rotating the refresh token", async () => {
    const clock = new FakeClock();
    const exp = (s: number): number => Math.floor(clock.t / 1000) + s;
    const storage = new MemoryStorage();
    let n = 0;
    const fetch = fakeFetch((path, init) => {
      if (path === "/api/auth/login/") return json(200, { access: jwt(exp(600), "a0"), refresh: "r0" });
      if (path === "/api/auth/refresh/") {
        const body = JSON.parse(String(init.body)) as { refresh: string };
        expect(body.refresh).toBe(`r${n}`);
        n += 1;
        return json(200, { access: jwt(exp(600), `a${n}`), refresh: `r${n}` });
      }
      return json(404, { detail: "no" });
    });
    const api = new Api(fetch, storage, clock);
    await api.signIn("ada@example.com", "pw");
    expect(api.session.status).toBe("signed-in");
    await clock.advance(8 * 60_000);
    expect(fetch.calls.filter((c) => c.path === "/api/auth/refresh/")).toHaveLength(0);
    await clock.advance(60_000 + 1);
    expect(fetch.calls.filter((c) => c.path === "/api/auth/refresh/")).toHaveLength(1);
    expect(api.session.refreshToken).toBe("r1");
    await clock.advance(9 * 60_000 + 1);
    expect(api.session.refreshToken).toBe("r2");
    // Stored for a reload of this tab.
    expect(JSON.parse(storage.getItem("oshara.dashboard.tokens") ?? "{}")).toMatchObject({ refresh: "r2", email: "ada@example.com" });
    const reloaded = new Api(fetch, storage, clock);
    expect(reloaded.session.status).toBe("signed-in");
    expect(reloaded.session.email).toBe("ada@example.com");
  });

  it("on a 401 refreshes once (single flight) and retries the request", async () => {
    const clock = new FakeClock();
    const valid = "new";
    let refreshes = 0;
    const fetch = fakeFetch(async (path, init) => {
      const auth = ((init.headers ?? {}) as Record<string, string>).Authorization;
      if (path === "/api/auth/login/") return json(200, { access: "old", refresh: "r0" });
      if (path === "/api/auth/refresh/") {
        refreshes += 1;
        await Promise.resolve();

        return json(200, { access: "new", refresh: "r1" });
      }
      return auth === `Bearer ${valid}` ? json(200, [{ slug: "a" }]) : json(401, { detail: "Token expired" });
    });
    const api = new Api(fetch, new MemoryStorage(), clock);
    await api.signIn("ada@example.com", "pw");
    const [a, b] = await Promise.all([api.listAgents(), api.me()]);
    expect(a).toEqual([{ slug: "a" }]);
    expect(b).toEqual([{ slug: "a" }]);
    expect(refreshes).toBe(1);
  });

  it("an ended session goes back to sign-in and keeps drafts and the email", async () => {
    const storage = new MemoryStorage();
    const fetch = fakeFetch((path) => {
      if (path === "/api/auth/login/") return json(200, { access: "a", refresh: "r" });
      if (path === "/api/auth/refresh/") return json(401, { detail: "Refresh token revoked" });
      return json(401, { detail: "Token expired" });
    });
    const api = new Api(fetch, storage, new FakeClock());
    const drafts = new DraftStore(storage);
    await api.signIn("ada@example.com", "pw");
    drafts.set("agent:support", { greeting: "Half-typed greet" });
    const seen: string[] = [];
    api.session.subscribe(() => seen.push(api.session.status));
    await expect(api.getAgent("support")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(api.session.status).toBe("expired");
    expect(seen).toEqual(["expired"]);
    expect(api.session.email).toBe("ada@example.com");
    expect(storage.getItem("oshara.dashboard.tokens")).toBeNull();
    // A new page load (after signing in again) still finds what was typed.
    expect(new DraftStore(storage).get("agent:support")).toEqual({ greeting: "Half-typed greet" });
    drafts.clearAll();
    expect(new DraftStore(storage).get("agent:support")).toBeUndefined();
  });

  it("sign-out tells the server and forgets the tokens even when it fails", async () => {
    const fetch = fakeFetch((path) =>
      path === "/api/auth/login/" ? json(200, { access: "a", refresh: "r" }) : json(500, { detail: "boom" }),
    );
    const api = new Api(fetch, new MemoryStorage(), new FakeClock());
    await api.signIn("ada@example.com", "pw");
    await api.signOut();
    expect(fetch.calls.at(-1)).toMatchObject({ path: "/api/auth/logout/", auth: "Bearer a", body: { refresh: "r" } });
    expect(api.session.status).toBe("signed-out");
  });

  it("a wrong password is an ApiError with the server's detail, and no session", async () => {
    const fetch = fakeFetch(() => json(401, { detail: "Invalid email or password" }));
    const api = new Api(fetch, new MemoryStorage(), new FakeClock());
    await expect(api.signIn("a@b.c", "x")).rejects.toMatchObject({ status: 401, detail: "Invalid email or password" });
    expect(api.session.status).toBe("signed-out");
    expect(fetch.calls).toHaveLength(1); // login is not retried through refresh
  });
});

describe("field errors", () => {
  it("puts API errors on the form's fields and keeps the rest for the banner", () => {
    const keys = ["name", "allowed_origins", "limits.max_session_seconds", "language"];
    const mapped = mapFieldErrors(
      [
        { field: "allowed_origins[1]", message: "not an origin" },
        { field: "limits.max_session_seconds", message: "must be ≥ 10" },
        { field: "language", message: "bad code" },
        { field: "tools[0].config.url", message: "bad url" },
        { field: "", message: "whole body" },
      ],
      keys,
    );
    expect(mapped.fields).toEqual({
      allowed_origins: "Line 2: not an origin",
      "limits.max_session_seconds": "must be ≥ 10",
      language: "bad code",
    });
    expect(mapped.rest).toEqual(["tools[0].config.url: bad url", "whole body"]);
  });

  it("reads non-JSON error bodies as a plain HTTP error", async () => {
    const fetch = fakeFetch(() => new Response("Bad gateway", { status: 502 }));
    const api = new Api(fetch, new MemoryStorage(), new FakeClock());
    await expect(api.signIn("a@b.c", "x")).rejects.toEqual(new ApiError(502, "The server answered HTTP 502"));
  });
});

describe("agent form", () => {
  const agent = {
    slug: "support", name: "Support", system_prompt: "Hi {{user_name}}, {{ plan }} {{user_name}}", greeting: "Hello",
    language: "en", allowed_origins: ["https://a.example"], llm_model: "local:x", stt_model: "s", tts_model: "t",
    voice: null, widget_appearance: {}, tools: [], limits: { max_session_seconds: 900, idle_timeout_seconds: 120, max_concurrent_sessions: 10, sessions_per_minute: 30 },
    builtins: { show_form: true, end_call: false }, created_at: "", updated_at: "",
  } as Parameters<typeof valuesFromAgent>[0];

  it("round-trips an agent into a PATCH body", () => {
    const v = valuesFromAgent(agent);
    expect(v.allowed_origins).toBe("https://a.example");
    const body = updateBody({ ...v, allowed_origins: " https://a.example \n\nhttps://*.b.example\n", voice: " " });
    expect(body.allowed_origins).toEqual(["https://a.example", "https://*.b.example"]);
    expect(body.voice).toBeNull();
    expect(body.limits).toEqual(agent.limits);
    expect(body.builtins).toEqual({ show_form: true, end_call: false });
    expect(body).not.toHaveProperty("slug");
    expect(body).not.toHaveProperty("tools");
  });

  it("checks origins line by line and limits as whole numbers", () => {
    const v = valuesFromAgent(agent);
    expect(checkAgentForm(v, false)).toEqual({});
    const bad = checkAgentForm({ ...v, allowed_origins: "https://ok.example\nexample.com/path\n*", limits: { ...v.limits, sessions_per_minute: "1.5" } }, false);
    expect(bad.allowed_origins).toMatch(/^Line 2: “example.com\/path”/);
    expect(bad["limits.sessions_per_minute"]).toBe("Enter a whole number.");
    expect(checkAgentForm({ ...v, slug: "X" }, true).slug).toBeDefined();
    expect(originLines("a\n\n b \n")).toEqual(["a", "b"]);
  });

  it("lists the prompt's {{variables}} once each", () => {
    expect(promptVariables(agent.system_prompt ?? "")).toEqual(["user_name", "plan"]);
  });

  it("has the blank and three ready-made templates, and searches by name or slug", () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(["blank", "support", "booking", "faq"]);
    expect(TEMPLATES.find((t) => t.id === "support")?.body.tools?.[0]?.kind).toBe("http");
    expect(TEMPLATES.find((t) => t.id === "faq")?.body.tools?.[0]?.kind).toBe("kb");
    expect(TEMPLATES.find((t) => t.id === "booking")?.body.widget_appearance?.forms?.[0]?.id).toBe("booking");
    expect(matchesSearch({ name: "Acme Support", slug: "acme" }, "SUPP")).toBe(true);
    expect(matchesSearch({ name: "Acme Support", slug: "acme-desk" }, "desk")).toBe(true);
    expect(matchesSearch({ name: "Acme Support", slug: "acme" }, "sales")).toBe(false);
  });
});

describe("model pickers", () => {
  const role = {
    default: "local:a",
    local: [
      { name: "A", value: "local:a", available: true, installed: true, default: true, description: "", license: "", size_bytes: 1, install_hint: null },
      { name: "B", value: "local:b", available: false, installed: false, default: false, description: "", license: "", size_bytes: null, install_hint: "oshara models pull b" },
    ],
    cloud: [{ provider: "openai", label: "OpenAI", configured: false, setting: "OSHARA_OPENAI_API_KEY", custom: null, options: [{ value: "gpt-4o-mini", label: "GPT-4o mini" }] }],
  } as Parameters<typeof modelChoices>[0];

  it("offers usable models first and says what the others need", () => {
    expect(modelChoices(role).map((c) => [c.value, c.usable])).toEqual([["local:a", true], ["local:b", false], ["gpt-4o-mini", false]]);
    expect(modelChoices(role)[0]?.label).toBe("A (local, default)");
    expect(modelNote(role, "local:b")).toBe("Not installed on this server: oshara models pull b");
    expect(modelNote(role, "gpt-4o-mini")).toBe("OpenAI is not configured: set OSHARA_OPENAI_API_KEY.");
    expect(modelNote(role, "local:a")).toBe("");
    expect(modelNote(undefined, "x")).toBe("");
  });
});
