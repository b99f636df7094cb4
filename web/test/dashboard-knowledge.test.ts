// The knowledge base page's logic: accepted files, upload state machine, progress, polling,
// and the XMLHttpRequest upload (progress events, token header, refresh on 401).
import { describe, expect, it } from "vitest";
import { Api, type FetchFn } from "../src/dashboard/api/client";
import { ApiError, SessionExpiredError } from "../src/dashboard/api/errors";
import type { KeyValueStorage } from "../src/dashboard/api/session";
import { uploadForm } from "../src/dashboard/api/upload";
import {
  checkFile, formatBytes, needsPolling, reduceUploads, statusText, uploadPercent, uploadText, type UploadItem,
} from "../src/dashboard/state/knowledge";

describe("checkFile", () => {
  it("accepts the server's formats, any case", () => {
    for (const name of ["a.txt", "b.MD", "c.markdown", "d.html", "e.htm", "f.PDF"]) expect(checkFile(name, 10)).toBe("");
  });
  it("names the file and the reason", () => {
    expect(checkFile("photo.png", 10)).toContain("photo.png: only .txt, .md, .html and .pdf");
    expect(checkFile("empty.md", 0)).toBe("empty.md is empty.");
    expect(checkFile("big.pdf", 11 * 1024 * 1024)).toBe("big.pdf is 11.0 MB; the limit is 10.0 MB.");
    expect(checkFile("ok.pdf", 10 * 1024 * 1024)).toBe("");
  });
});

describe("progress", () => {
  it("is a whole percent, clamped, 0 when the total is unknown", () => {
    expect(uploadPercent(0, 100)).toBe(0);
    expect(uploadPercent(50, 200)).toBe(25);
    expect(uploadPercent(199, 200)).toBe(99);
    expect(uploadPercent(300, 200)).toBe(100);
    expect(uploadPercent(10, 0)).toBe(0);
    expect(uploadPercent(Number.NaN, 10)).toBe(0);
  });
  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(200 * 1024)).toBe("200 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});

describe("reduceUploads", () => {
  const start = (): UploadItem[] => reduceUploads([], { type: "start", key: "u1", name: "faq.md", size: 100 });

  it("uploading → ready (201, indexed inline)", () => {
    let s = start();
    expect(s[0]).toMatchObject({ phase: "uploading", percent: 0 });
    s = reduceUploads(s, { type: "sent", key: "u1", loaded: 40, total: 100 });
    expect(uploadText(s[0]!)).toBe("Uploading… 40%");
    s = reduceUploads(s, { type: "answered", key: "u1", documentId: "d1", status: "ready", progress: 100 });
    expect(s[0]).toMatchObject({ phase: "ready", percent: 100, documentId: "d1" });
  });

  it("uploading → processing (202) → polled progress → ready", () => {
    let s = reduceUploads(start(), { type: "answered", key: "u1", documentId: "d1", status: "processing", progress: 0 });
    expect(uploadText(s[0]!)).toBe("Indexing… 0%");
    s = reduceUploads(s, { type: "polled", documentId: "d1", status: "processing", progress: 60 });
    expect(s[0]!.percent).toBe(60);
    s = reduceUploads(s, { type: "polled", documentId: "other", status: "ready", progress: 100 });
    expect(s[0]!.phase).toBe("processing");
    s = reduceUploads(s, { type: "polled", documentId: "d1", status: "ready", progress: 100 });
    expect(s[0]).toMatchObject({ phase: "ready", percent: 100 });
    // A late poll does not move a finished upload back.
    s = reduceUploads(s, { type: "polled", documentId: "d1", status: "processing", progress: 10 });
    expect(s[0]!.phase).toBe("ready");
  });

  it("progress after the answer is ignored; failures keep their reason; dismiss removes", () => {
    let s = reduceUploads(start(), { type: "answered", key: "u1", documentId: "d1", status: "processing", progress: 5 });
    s = reduceUploads(s, { type: "sent", key: "u1", loaded: 100, total: 100 });
    expect(s[0]!.percent).toBe(5);
    s = reduceUploads(s, { type: "polled", documentId: "d1", status: "failed", progress: 5, error: "PDF has no text" });
    expect(s[0]).toMatchObject({ phase: "failed", error: "PDF has no text" });
    expect(uploadText(s[0]!)).toBe("PDF has no text");
    const t = reduceUploads(start(), { type: "failed", key: "u1", error: "faq.md: too big" });
    expect(uploadText(t[0]!)).toBe("faq.md: too big");
    expect(reduceUploads(t, { type: "dismiss", key: "u1" })).toEqual([]);
  });
});

describe("document status", () => {
  it("polls while something is processing", () => {
    expect(needsPolling([])).toBe(false);
    expect(needsPolling([{ status: "ready" }, { status: "failed" }])).toBe(false);
    expect(needsPolling([{ status: "ready" }, { status: "processing" }])).toBe(true);
  });
  it("describes each status", () => {
    expect(statusText({ status: "ready", progress: 100, chunk_count: 1 })).toBe("Indexed · 1 passage");
    expect(statusText({ status: "ready", progress: 100, chunk_count: 3 })).toBe("Indexed · 3 passages");
    expect(statusText({ status: "processing", progress: 42.4, chunk_count: 3 })).toBe("Indexing… 42%");
    expect(statusText({ status: "failed", progress: 0, chunk_count: 0, error: "no text" })).toBe("Failed: no text");
  });
});

// ----------------------------------------------------------------------------- XHR upload

class MemoryStorage implements KeyValueStorage {
  map = new Map<string, string>();
  getItem(k: string): string | null { return this.map.get(k) ?? null; }
  setItem(k: string, v: string): void { this.map.set(k, v); }
  removeItem(k: string): void { this.map.delete(k); }
  get length(): number { return this.map.size; }
  key(i: number): string | null { return [...this.map.keys()][i] ?? null; }
}

interface Answer { status: number; body: string }

class FakeXhr {
  static sent: { url: string; headers: Record<string, string> }[] = [];
  static answers: Answer[] = [];
  status = 0;
  responseText = "";
  url = "";
  headers: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(_method: string, url: string): void { this.url = url; }
  setRequestHeader(k: string, v: string): void { this.headers[k] = v; }
  abort(): void { this.onabort?.(); }
  send(): void {
    FakeXhr.sent.push({ url: this.url, headers: this.headers });
    const answer = FakeXhr.answers.shift();
    queueMicrotask(() => {
      if (!answer) {
        this.onerror?.();
        return;
      }
      this.upload.onprogress?.({ loaded: 5, total: 10, lengthComputable: true });
      this.upload.onprogress?.({ loaded: 10, total: 10, lengthComputable: true });
      this.status = answer.status;
      this.responseText = answer.body;
      this.onload?.();
    });
  }
}
const xhr = (): XMLHttpRequest => new FakeXhr() as unknown as XMLHttpRequest;

function signedIn(refreshStatus = 200): Api {
  const fetchFn: FetchFn = async (url) => {
    if (url.endsWith("/api/auth/refresh/")) {
      return new Response(JSON.stringify({ access: "new-access", refresh: "new-refresh" }), { status: refreshStatus });
    }
    return new Response("{}", { status: 404 });
  };
  const api = new Api(fetchFn, new MemoryStorage());
  api.session.signIn({ access: "old-access", refresh: "old-refresh" }, "o@x.test");
  return api;
}

describe("uploadForm", () => {
  it("sends the token, reports progress and returns the status and body", async () => {
    FakeXhr.sent = [];
    FakeXhr.answers = [{ status: 202, body: JSON.stringify({ id: "d1", status: "processing" }) }];
    const progress: number[] = [];
    const api = signedIn();
    const res = await uploadForm<{ id: string }>(api, api.documentsPath("s"), new FormData(), (l, t) => progress.push(uploadPercent(l, t)), { xhr });
    expect(res).toEqual({ status: 202, body: { id: "d1", status: "processing" } });
    expect(progress).toEqual([50, 100]);
    expect(FakeXhr.sent[0]).toEqual({ url: "/api/ai-characters/s/knowledge/", headers: { Authorization: "Bearer old-access", Accept: "application/json" } });
  });

  it("refreshes the token once on a 401 and retries", async () => {
    FakeXhr.sent = [];
    FakeXhr.answers = [{ status: 401, body: "{}" }, { status: 201, body: JSON.stringify({ id: "d2" }) }];
    const api = signedIn();
    const res = await uploadForm<{ id: string }>(api, "/u", new FormData(), () => undefined, { xhr });
    expect(res.body.id).toBe("d2");
    expect(FakeXhr.sent.map((s) => s.headers.Authorization)).toEqual(["Bearer old-access", "Bearer new-access"]);
  });

  it("ends the session when the refresh is refused", async () => {
    FakeXhr.answers = [{ status: 401, body: "{}" }];
    const api = signedIn(401);
    await expect(uploadForm(api, "/u", new FormData(), () => undefined, { xhr })).rejects.toBeInstanceOf(SessionExpiredError);
    expect(api.session.status).toBe("expired");
  });

  it("turns an error answer into the API's error", async () => {
    FakeXhr.answers = [{ status: 415, body: JSON.stringify({ detail: "Unsupported file type: .png" }) }];
    const err = await uploadForm(signedIn(), "/u", new FormData(), () => undefined, { xhr }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(415);
    expect((err as ApiError).message).toContain("Unsupported file type");
  });
});
