// Pure logic of the account, form responses and overview pages: roles, filters, chart scaling.
import { describe, expect, it } from "vitest";
import { Api, type FetchFn } from "../src/dashboard/api/client";
import { ApiError, SessionExpiredError } from "../src/dashboard/api/errors";
import type { KeyValueStorage } from "../src/dashboard/api/session";
import { asRole, canRemoveMember, canRevokeInvitation, invitableRoles, permissions } from "../src/dashboard/state/roles";
import { NO_FILTERS, cellText, checkFilters, downloadName, filterQuery, nextDay, valueColumns } from "../src/dashboard/state/responses";
import { bars, dayLabel, formatMs, formatRate, niceMax } from "../src/dashboard/state/charts";

describe("roles", () => {
  it("reads roles and refuses anything else", () => {
    expect(asRole("owner")).toBe("owner");
    expect(asRole("admin")).toBe("admin");
    expect(asRole("api_key")).toBeNull();
    expect(asRole(undefined)).toBeNull();
  });
  it("grants each role what docs/api.md lists", () => {
    expect(permissions("member")).toEqual({ apiKeys: false, invitations: false, manageMembers: false, webhookSecret: false });
    expect(permissions("admin")).toEqual({ apiKeys: true, invitations: true, manageMembers: false, webhookSecret: true });
    expect(permissions("owner")).toEqual({ apiKeys: true, invitations: true, manageMembers: true, webhookSecret: true });
    expect(permissions(null).apiKeys).toBe(false);
  });
  it("lets admins invite admins and members, owners anyone", () => {
    expect(invitableRoles("member")).toEqual([]);
    expect(invitableRoles("admin")).toEqual(["member", "admin"]);
    expect(invitableRoles("owner")).toEqual(["member", "admin", "owner"]);
    expect(canRevokeInvitation("admin", "owner")).toBe(false);
    expect(canRevokeInvitation("owner", "owner")).toBe(true);
  });
  it("lets owners remove anyone and everyone leave", () => {
    expect(canRemoveMember("owner", "me", "other")).toBe(true);
    expect(canRemoveMember("admin", "me", "other")).toBe(false);
    expect(canRemoveMember("member", "me", "me")).toBe(true);
    expect(canRemoveMember("member", null, "x")).toBe(false);
  });
});

describe("form response filters", () => {
  it("builds the query string, the end date inclusive", () => {
    expect(filterQuery(NO_FILTERS)).toBe("");
    expect(filterQuery(NO_FILTERS, "csv")).toBe("?format=csv");
    const q = filterQuery({ formId: "contact", sessionId: " abc ", since: "2026-12-01", until: "2026-12-31" }, "csv");
    expect(q).toBe("?form_id=contact&session_id=abc&since=2026-12-01&until=2027-01-01&format=csv");
    expect(filterQuery({ ...NO_FILTERS, formId: "a&b=c" })).toBe("?form_id=a%26b%3Dc");
  });
  it("computes the next day across months and leap years", () => {
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
    expect(nextDay("2027-02-28")).toBe("2027-03-01");
  });
  it("names bad dates and a reversed range", () => {
    expect(checkFilters(NO_FILTERS)).toEqual({});
    expect(checkFilters({ ...NO_FILTERS, since: "2026-13-01" }).since).toMatch(/YYYY-MM-DD/);
    expect(checkFilters({ ...NO_FILTERS, until: "yesterday" }).until).toMatch(/YYYY-MM-DD/);
    expect(checkFilters({ ...NO_FILTERS, since: "2026-12-05", until: "2026-12-01" }).until).toMatch(/before/);
    expect(checkFilters({ ...NO_FILTERS, sessionId: "x".repeat(41) }).sessionId).toBeTruthy();
  });
  it("finds the value columns and renders cells", () => {
    const rows = [{ values: { name: "Ada", topics: ["a", "b"] } }, { values: { email: "a@b.c", name: "Bo" } }, { values: null }];
    expect(valueColumns(rows)).toEqual(["name", "topics", "email"]);
    expect(cellText(rows[0]?.values, "topics")).toBe('["a","b"]');
    expect(cellText(rows[0]?.values, "email")).toBe("");
    expect(cellText({ n: 3, ok: false }, "n")).toBe("3");
    expect(cellText({ ok: false }, "ok")).toBe("false");
  });
  it("reads the download name", () => {
    expect(downloadName('attachment; filename="acme-form-responses.csv"', "x.csv")).toBe("acme-form-responses.csv");
    expect(downloadName(null, "x.csv")).toBe("x.csv");
  });
});

describe("charts", () => {
  it("rounds the axis up to 1, 2, 5 × 10^n", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(Number.NaN)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(0.3)).toBeCloseTo(0.5);
  });
  it("scales bars into the plot area", () => {
    const out = bars([{ label: "a", value: 0 }, { label: "b", value: 5 }, { label: "c", value: 10 }], 300, 100, 0);
    expect(out.max).toBe(10);
    expect(out.bars.map((b) => b.height)).toEqual([0, 50, 100]);
    expect(out.bars.map((b) => b.x)).toEqual([0, 100, 200]);
    expect(out.bars[2]?.y).toBe(0);
    const tiny = bars([{ label: "a", value: 1 }, { label: "b", value: 1000 }], 100, 100);
    expect(tiny.bars[0]?.height).toBe(1);
    expect(bars([], 100, 100).bars).toEqual([]);
  });
  it("formats figures", () => {
    expect(formatMs(null)).toBe("—");
    expect(formatMs(842.4)).toBe("842 ms");
    expect(formatMs(1530)).toBe("1.5 s");
    expect(formatRate(null)).toBe("—");
    expect(formatRate(0)).toBe("0 %");
    expect(formatRate(0.25)).toBe("25 %");
    expect(formatRate(0.055)).toBe("5.5 %");
    expect(formatRate(0.0001)).toBe("<0.1 %");
    expect(dayLabel("2026-12-04")).toBe("Dec 4");
  });
});

class Memory implements KeyValueStorage {
  map = new Map<string, string>();
  getItem(k: string): string | null { return this.map.get(k) ?? null; }
  setItem(k: string, v: string): void { this.map.set(k, v); }
  removeItem(k: string): void { this.map.delete(k); }
}

function signedIn(handler: (path: string, auth: string) => Response): { api: Api; seen: { path: string; auth: string }[] } {
  const seen: { path: string; auth: string }[] = [];
  const fetchFn: FetchFn = async (path, init = {}) => {
    const auth = (init.headers as Record<string, string>).Authorization ?? "";
    seen.push({ path, auth });
    if (path === "/api/auth/refresh/") {
      const body = JSON.parse(String(init.body)) as { refresh: string };
      return body.refresh === "r-ok"
        ? new Response(JSON.stringify({ access: "a2", refresh: "r2" }), { status: 200 })
        : new Response(JSON.stringify({ detail: "no" }), { status: 401 });
    }
    return handler(path, auth);
  };
  const storage = new Memory();
  storage.setItem("oshara.dashboard.tokens", JSON.stringify({ access: "a1", refresh: "r-ok", email: "o@x.y" }));
  return { api: new Api(fetchFn, storage), seen };
}

describe("API calls of these pages", () => {
  it("downloads the CSV with the token in the header, refreshing it once on a 401", async () => {
    const { api, seen } = signedIn((path, auth) => {
      if (auth !== "Bearer a2") return new Response(JSON.stringify({ detail: "expired" }), { status: 401 });
      return new Response("\ufeffcreated_at,id\r\n", { status: 200, headers: { "Content-Disposition": 'attachment; filename="s-form-responses.csv"' } });
    });
    const out = await api.formResponsesCsv("s", filterQuery({ ...NO_FILTERS, formId: "contact" }, "csv"));
    expect(await out.blob.text()).toContain("created_at,id");
    expect(downloadName(out.disposition, "x")).toBe("s-form-responses.csv");
    const paths = seen.map((c) => c.path);
    expect(paths).toEqual(["/api/agents/s/form-responses/?form_id=contact&format=csv", "/api/auth/refresh/", "/api/agents/s/form-responses/?form_id=contact&format=csv"]);
    expect(paths.every((p) => !p.includes("a1") && !p.includes("a2"))).toBe(true);
  });
  it("names the server's error of a download, and ends the session when refreshing fails", async () => {
    const { api } = signedIn(() => new Response(JSON.stringify({ detail: "Invalid since" }), { status: 400 }));
    await expect(api.formResponsesCsv("s", "?format=csv")).rejects.toEqual(new ApiError(400, "Invalid since"));
    const storage = new Memory();
    storage.setItem("oshara.dashboard.tokens", JSON.stringify({ access: "a1", refresh: "r-bad" }));
    const fetchFn: FetchFn = async () => new Response(JSON.stringify({ detail: "no" }), { status: 401 });
    const expired = new Api(fetchFn, storage);
    await expect(expired.formResponsesCsv("s", "")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(expired.session.status).toBe("expired");
  });
  it("asks the overview for the period and the agent", async () => {
    const { api, seen } = signedIn(() => new Response("{}", { status: 200 }));
    await api.overview(7, "");
    await api.overview(30, "acme support");
    expect(seen.map((c) => c.path)).toEqual(["/api/stats/overview/?days=7", "/api/stats/overview/?days=30&agent=acme+support"]);
  });
});
