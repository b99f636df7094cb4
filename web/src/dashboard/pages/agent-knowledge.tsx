// /agents/:slug/knowledge: upload documents (drop zone or file input) with progress, their
// indexing status (polled while processing), delete, and a search showing the passages found.
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import type { JSX } from "preact";
import { useEffect, useReducer, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import type { KnowledgeDoc } from "../api/client";
import { ApiError } from "../api/errors";
import { uploadForm } from "../api/upload";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { ConfirmDialog } from "../components/confirm";
import { useServices } from "../context";
import {
  ACCEPT, checkFile, formatBytes, needsPolling, reduceUploads, statusText, uploadText, type UploadItem,
} from "../state/knowledge";

let nextKey = 0;

export function KnowledgePage({ slug }: { slug: string }) {
  const { api } = useServices();
  const agent = useQuery({ queryKey: ["agent", slug], queryFn: () => api.getAgent(slug) });
  const docs = useQuery({
    queryKey: ["knowledge", slug],
    queryFn: () => api.listDocuments(slug),
    refetchInterval: (q) => (needsPolling(q.state.data ?? []) ? 1000 : false),
  });
  const failed = agent.error ?? docs.error;
  const notFound = failed instanceof ApiError && failed.status === 404;
  const name = agent.data?.name ?? slug;
  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / <Link href={`/agents/${encodeURIComponent(slug)}`}>{name}</Link></p>
      <h1>Knowledge base</h1>
      <AgentTabs slug={slug} />
      {notFound ? (
        <Banner>There is no agent “{slug}” in your organization.</Banner>
      ) : (
        <>
          <p class="hint intro">
            Documents this agent's <code>kb</code> tools search. Give the agent a knowledge base tool in
            its settings so it looks things up here during calls.
          </p>
          <Uploads slug={slug} docs={docs.data} />
          <Documents slug={slug} docs={docs.data} loading={docs.isPending} error={docs.error} />
          <Search slug={slug} />
        </>
      )}
    </>
  );
}

function Uploads({ slug, docs }: { slug: string; docs: KnowledgeDoc[] | undefined }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const [items, dispatch] = useReducer(reduceUploads, [] as UploadItem[]);
  const [over, setOver] = useState(false);
  const [notice, setNotice] = useState("");

  // The document list is polled while something is indexing; its answers move the uploads on.
  useEffect(() => {
    for (const d of docs ?? []) dispatch({ type: "polled", documentId: d.id, status: d.status, progress: d.progress, error: d.error ?? null });
  }, [docs]);
  useEffect(() => {
    const done = items.filter((i) => i.phase === "ready");
    if (!done.length) return;
    setNotice(`${done.map((i) => i.name).join(", ")} indexed.`);
    for (const i of done) dispatch({ type: "dismiss", key: i.key });
  }, [items]);

  const upload = async (file: File): Promise<void> => {
    const key = `u${++nextKey}`;
    dispatch({ type: "start", key, name: file.name, size: file.size });
    const problem = checkFile(file.name, file.size);
    if (problem) {
      dispatch({ type: "failed", key, error: problem });
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const res = await uploadForm<KnowledgeDoc>(api, api.documentsPath(slug), form, (loaded, total) =>
        dispatch({ type: "sent", key, loaded, total }));
      const doc = res.body;
      dispatch({ type: "answered", key, documentId: doc.id, status: doc.status, progress: doc.progress, error: doc.error ?? null });
    } catch (err) {
      dispatch({ type: "failed", key, error: `${file.name}: ${errorText(err)}` });
    } finally {
      await queries.invalidateQueries({ queryKey: ["knowledge", slug] });
    }
  };
  const addFiles = (files: FileList | null | undefined): void => {
    setNotice("");
    for (const file of Array.from(files ?? [])) void upload(file);
  };
  const onChange = (e: JSX.TargetedEvent<HTMLInputElement>): void => {
    addFiles(e.currentTarget.files);
    e.currentTarget.value = ""; // the same file may be chosen again
  };
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setOver(false);
    addFiles(e.dataTransfer?.files);
  };

  return (
    <section class="card" aria-labelledby="kb-add">
      <h2 id="kb-add">Add documents</h2>
      <div
        class={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop .txt, .md, .html or .pdf files here (up to {formatBytes(10 * 1024 * 1024)} each), or choose them:</p>
        <div class="field">
          <label for="kb-file">Documents to upload</label>
          <input id="kb-file" type="file" multiple accept={ACCEPT} onChange={onChange} />
        </div>
      </div>
      <div role="status" class="uploads-status">{notice}</div>
      {items.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {items.map((i) => (
            <li key={i.key} class={i.phase}>
              <span class="doc-name">{i.name}</span>
              <span class="meta">{formatBytes(i.size)}</span>
              {i.phase === "failed" ? (
                <>
                  <span class="field-error" role="alert">{uploadText(i)}</span>
                  <button type="button" class="secondary small" onClick={() => dispatch({ type: "dismiss", key: i.key })}
                    aria-label={`Dismiss ${i.name}`}>
                    Dismiss
                  </button>
                </>
              ) : (
                <>
                  <progress max={100} value={i.percent} aria-label={`${i.name}: ${uploadText(i)}`} />
                  <span class="meta">{uploadText(i)}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Documents({ slug, docs, loading, error }: { slug: string; docs: KnowledgeDoc[] | undefined; loading: boolean; error: Error | null }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const [deleting, setDeleting] = useState<KnowledgeDoc | null>(null);
  const remove = useMutation({
    mutationFn: (doc: KnowledgeDoc) => api.deleteDocument(slug, doc.id),
    onSuccess: () => {
      setDeleting(null);
      void queries.invalidateQueries({ queryKey: ["knowledge", slug] });
    },
  });
  return (
    <section class="card" aria-labelledby="kb-docs">
      <h2 id="kb-docs">Documents</h2>
      {error && <Banner>{errorText(error)}</Banner>}
      {remove.error && <Banner>{errorText(remove.error)}</Banner>}
      {loading && <p role="status">Loading documents…</p>}
      {docs && docs.length === 0 && <p class="empty">No documents yet.</p>}
      {docs && docs.length > 0 && (
        <ul class="doc-list">
          {docs.map((d) => (
            <li key={d.id}>
              <div class="doc-main">
                <span class="doc-name">{d.title || d.filename}</span>
                <span class="meta">
                  {d.filename} · {formatBytes(d.size)}{d.page_count ? ` · ${d.page_count} pages` : ""}
                </span>
              </div>
              <span class={`doc-status ${d.status}`}>{statusText(d)}</span>
              {d.status === "processing" && <progress max={100} value={d.progress} aria-label={`${d.title || d.filename}: indexing`} />}
              <button type="button" class="danger secondary small" onClick={() => setDeleting(d)} aria-label={`Delete ${d.title || d.filename}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this document?"
        confirmLabel="Delete"
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onCancel={() => setDeleting(null)}
      >
        <p>“{deleting?.title || deleting?.filename}” and its passages are removed from the knowledge base.</p>
      </ConfirmDialog>
    </section>
  );
}

function Search({ slug }: { slug: string }) {
  const { api } = useServices();
  const [text, setText] = useState("");
  const [asked, setAsked] = useState("");
  const [fieldError, setFieldError] = useState("");
  const found = useQuery({
    queryKey: ["knowledge-search", slug, asked],
    queryFn: () => api.searchKnowledge(slug, asked),
    enabled: asked !== "",
    staleTime: 0,
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const q = text.trim();
    if (!q) {
      setFieldError("Type a question to search for.");
      return;
    }
    setFieldError("");
    if (q === asked) void found.refetch();
    setAsked(q);
  };
  return (
    <section class="card" aria-labelledby="kb-search">
      <h2 id="kb-search">Search</h2>
      <p class="hint">What the agent's knowledge base tool would find for a visitor's question.</p>
      <form onSubmit={submit} class="search-form" noValidate>
        <div class={`field${fieldError ? " invalid" : ""}`}>
          <label for="kb-q">Question</label>
          <input
            id="kb-q" type="search" value={text} maxLength={4000}
            aria-invalid={fieldError ? "true" : undefined} aria-describedby={fieldError ? "kb-q-error" : undefined}
            onInput={(e) => { setText(e.currentTarget.value); setFieldError(""); }}
          />
          {fieldError && <p class="field-error" id="kb-q-error">{fieldError}</p>}
        </div>
        <button type="submit">Search</button>
      </form>
      {found.isFetching && <p role="status">Searching…</p>}
      {found.error && <Banner>{errorText(found.error)}</Banner>}
      {asked && found.data && !found.isFetching && (
        found.data.length === 0 ? (
          <p class="empty" role="status">No passage matches “{asked}”.</p>
        ) : (
          <ol class="passages" aria-label={`Passages for “${asked}”`}>
            {found.data.map((p) => (
              <li key={`${p.document_id}-${p.chunk_index}`}>
                <p class="meta">
                  <strong>{p.title}</strong>{p.heading ? ` › ${p.heading}` : ""}{p.page ? ` · page ${p.page}` : ""} · score {p.score.toFixed(3)}
                </p>
                <blockquote>{p.text}</blockquote>
              </li>
            ))}
          </ol>
        )
      )}
    </section>
  );
}
