// Knowledge base uploads: which files are accepted, and each upload's state from the first byte
// sent to "ready" (201: indexed inline) or "processing" (202: indexed in the background, the
// document's `progress` polled) or "failed". Pure: the page feeds it events.

export const ACCEPTED_EXTENSIONS = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf"];
/** The `accept` attribute of the file input. */
export const ACCEPT = ACCEPTED_EXTENSIONS.join(",");
/** The server's default limit (OSHARA_KNOWLEDGE_MAX_FILE_BYTES may differ; the server decides). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export type DocStatus = "processing" | "ready" | "failed";

export type UploadPhase = "uploading" | "processing" | "ready" | "failed";

export interface UploadItem {
  /** Local id (the document's id is known once the server answered). */
  key: string;
  name: string;
  size: number;
  phase: UploadPhase;
  /** 0-100: bytes sent while uploading, then the server's indexing progress. */
  percent: number;
  documentId?: string;
  error?: string;
}

export type UploadEvent =
  | { type: "start"; key: string; name: string; size: number }
  | { type: "sent"; key: string; loaded: number; total: number }
  | { type: "answered"; key: string; documentId: string; status: DocStatus; progress: number; error?: string | null }
  | { type: "polled"; documentId: string; status: DocStatus; progress: number; error?: string | null }
  | { type: "failed"; key: string; error: string }
  | { type: "dismiss"; key: string };

/** Why this file cannot be uploaded, or "" when it may be. */
export function checkFile(name: string, size: number, maxBytes = MAX_FILE_BYTES): string {
  const lower = name.toLowerCase();
  if (!ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    return `${name}: only .txt, .md, .html and .pdf files can be added.`;
  }
  if (size === 0) return `${name} is empty.`;
  if (size > maxBytes) return `${name} is ${formatBytes(size)}; the limit is ${formatBytes(maxBytes)}.`;
  return "";
}

/** Whole percent of bytes sent, 0-100 (an unknown total counts as 0 until done). */
export function uploadPercent(loaded: number, total: number): number {
  if (!(total > 0) || !(loaded >= 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((loaded / total) * 100)));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function phaseOf(status: DocStatus): UploadPhase {
  return status;
}

function clampProgress(p: number): number {
  return Number.isFinite(p) ? Math.max(0, Math.min(100, Math.round(p))) : 0;
}

/** The upload list after one event. Unknown keys/documents leave it unchanged. */
export function reduceUploads(items: UploadItem[], ev: UploadEvent): UploadItem[] {
  switch (ev.type) {
    case "start":
      return [...items.filter((i) => i.key !== ev.key), { key: ev.key, name: ev.name, size: ev.size, phase: "uploading", percent: 0 }];
    case "sent":
      return items.map((i) => (i.key === ev.key && i.phase === "uploading" ? { ...i, percent: uploadPercent(ev.loaded, ev.total) } : i));
    case "answered":
      return items.map((i) => {
        if (i.key !== ev.key) return i;
        const next: UploadItem = { ...i, documentId: ev.documentId, phase: phaseOf(ev.status), percent: ev.status === "ready" ? 100 : clampProgress(ev.progress) };
        if (ev.status === "failed") next.error = ev.error || "The document could not be indexed.";
        return next;
      });
    case "polled":
      return items.map((i) => {
        if (i.documentId !== ev.documentId || i.phase !== "processing") return i;
        const next: UploadItem = { ...i, phase: phaseOf(ev.status), percent: ev.status === "ready" ? 100 : clampProgress(ev.progress) };
        if (ev.status === "failed") next.error = ev.error || "The document could not be indexed.";
        return next;
      });
    case "failed":
      return items.map((i) => (i.key === ev.key ? { ...i, phase: "failed", error: ev.error } : i));
    case "dismiss":
      return items.filter((i) => i.key !== ev.key);
  }
}

/** Whether the document list should be polled: some document is still being indexed. */
export function needsPolling(docs: readonly { status: string }[]): boolean {
  return docs.some((d) => d.status === "processing");
}

/** One line for a document's status in the list. */
export function statusText(doc: { status: string; progress: number; chunk_count: number; error?: string | null }): string {
  if (doc.status === "ready") return `Indexed · ${doc.chunk_count} passage${doc.chunk_count === 1 ? "" : "s"}`;
  if (doc.status === "failed") return `Failed${doc.error ? `: ${doc.error}` : ""}`;
  return `Indexing… ${clampProgress(doc.progress)}%`;
}

/** The upload item's status line. */
export function uploadText(item: UploadItem): string {
  switch (item.phase) {
    case "uploading":
      return `Uploading… ${item.percent}%`;
    case "processing":
      return `Indexing… ${item.percent}%`;
    case "ready":
      return "Indexed";
    case "failed":
      return item.error ?? "Upload failed";
  }
}
