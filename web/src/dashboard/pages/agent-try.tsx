// /agents/:slug/try: talk to the agent from the dashboard, by text or by voice, through the SDK
// (bundled, not loaded from /sdk.js). Sessions start with the owner's token: they count as the
// owner's and need no allowed origin (the dashboard is served by the server itself anyway).
import { useQuery } from "@tanstack/preact-query";
import { useEffect, useRef, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { createSession, submitForm, TextChat, VoiceCall, type OfferedForm, type TextReply } from "../../sdk";
import type { FormDefinition, FormOutcome, FormValues, ShowFormRequest } from "../../sdk/types";
import { ApiError } from "../api/errors";
import { AgentTabs } from "../components/agent-tabs";
import { Banner, errorText } from "../components/banner";
import { useServices } from "../context";
import {
  addNote, addReply, addUserMessage, callStatusText, formOutcomeNote, formToShow, mergeCaption, speakerLabel, type CallStatus, type Line,
} from "../state/transcript";
import { LiveForm } from "./widget-preview";

let nextId = 0;
const newId = (prefix: string): string => `${prefix}${++nextId}`;

export function TryPage({ slug }: { slug: string }) {
  const { api } = useServices();
  const agent = useQuery({ queryKey: ["agent", slug], queryFn: () => api.getAgent(slug) });
  const notFound = agent.error instanceof ApiError && agent.error.status === 404;
  const name = agent.data?.name ?? slug;
  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / <Link href={`/agents/${encodeURIComponent(slug)}`}>{name}</Link></p>
      <h1>Try it</h1>
      <AgentTabs slug={slug} />
      {notFound ? (
        <Banner>There is no agent “{slug}” in your organization.</Banner>
      ) : (
        <>
          {agent.error && <Banner>{errorText(agent.error)}</Banner>}
          <p class="hint intro">
            Talk to the agent with its saved settings. These conversations are recorded as your own sessions and
            count towards the agent's limits.
          </p>
          <div class="try-grid">
            <TextCard slug={slug} name={name} />
            <VoiceCard slug={slug} name={name} forms={agent.data?.widget_appearance.forms ?? []} />
          </div>
        </>
      )}
    </>
  );
}

function Transcript({ lines, name, label, empty }: { lines: Line[]; name: string; label: string; empty: string }) {
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => end.current?.scrollIntoView?.({ block: "nearest" }), [lines.length]);
  return (
    <ol class="transcript" aria-label={label} aria-live="polite">
      {lines.length === 0 && <li class="empty note">{empty}</li>}
      {lines.map((l) => (
        <li key={l.id} class={`${l.role}${l.final ? "" : " partial"}`}>
          {l.role !== "note" && <span class="who-says">{speakerLabel(l.role, name)}</span>}
          <span class="said">{l.text}</span>
        </li>
      ))}
      <li ref={end} class="end" aria-hidden="true" />
    </ol>
  );
}

function TextCard({ slug, name }: { slug: string; name: string }) {
  const { api } = useServices();
  const chat = useRef<TextChat | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [fieldError, setFieldError] = useState("");
  const [ended, setEnded] = useState(false);
  // A form the agent showed (show_form): rendered by the widget's FormView until the visitor leaves it.
  const [shown, setShown] = useState<{ key: string; offered: OfferedForm & { form: FormDefinition } } | null>(null);

  const answered = (id: string, reply: TextReply): void => {
    setLines((ls) => addReply(ls, id, reply));
    if (reply.ended) setEnded(true);
    const offered = formToShow<OfferedForm, FormDefinition>(reply.forms);
    if (offered) setShown({ key: id, offered });
  };

  // Managed storage or the form's submit_url, as the widget submits it (same origin: allowed).
  const submitValues = (form: FormDefinition, values: FormValues) => {
    const options: Parameters<typeof submitForm>[2] = { agent: slug, baseUrl: location.origin };
    if (chat.current) options.sessionId = chat.current.session.session_id;
    return submitForm(form, values, options);
  };

  // The outcome goes back to the agent, which answers (as during a call).
  const reportOutcome = async (outcome: FormOutcome): Promise<void> => {
    const current = chat.current;
    const id = newId("f");
    setLines((ls) => addNote(ls, id, formOutcomeNote(outcome)));
    if (!current || current.ended) return;
    setBusy(true);
    try {
      answered(`${id}r`, await current.sendFormResult(outcome));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const send = async (e: Event): Promise<void> => {
    e.preventDefault();
    const message = text.trim();
    if (!message) {
      setFieldError("Type a message first.");
      return;
    }
    setFieldError("");
    setError("");
    setBusy(true);
    const id = newId("t");
    setLines((ls) => addUserMessage(ls, id, message));
    setText("");
    try {
      if (!chat.current || chat.current.ended) {
        const grant = await createSession({ baseUrl: location.origin, agent: slug, mode: "text", fetch: api.ownerFetch() });
        chat.current = new TextChat(grant, location.origin);
        setEnded(false);
      }
      answered(`${id}r`, await chat.current.send(message));
    } catch (err) {
      setError(errorText(err));
      setText(message); // nothing is lost: the message can be sent again
    } finally {
      setBusy(false);
    }
  };
  const restart = (): void => {
    chat.current?.end();
    chat.current = null;
    setLines([]);
    setEnded(false);
    setError("");
    setShown(null);
  };

  return (
    <section class="card" aria-labelledby="try-text">
      <h2 id="try-text">Text chat</h2>
      <Transcript lines={lines} name={name} label="Text transcript" empty="Send a message to start a conversation." />
      {shown && (
        <LiveForm
          key={shown.key}
          form={shown.offered.form}
          prefill={shown.offered.prefill}
          idPrefix={`try-${shown.key}`}
          submit={(values) => submitValues(shown.offered.form, values)}
          onOutcome={(outcome) => void reportOutcome(outcome)}
          onDone={() => setShown(null)}
        />
      )}
      {error && <Banner>{error}</Banner>}
      {ended && <p class="hint">This conversation has ended; the next message starts a new one.</p>}
      <form class="try-form" onSubmit={(e) => void send(e)} noValidate>
        <div class={`field${fieldError ? " invalid" : ""}`}>
          <label for="try-message">Message</label>
          <input
            id="try-message" type="text" value={text} maxLength={4000} autocomplete="off"
            aria-invalid={fieldError ? "true" : undefined} aria-describedby={fieldError ? "try-message-error" : undefined}
            onInput={(e) => { setText(e.currentTarget.value); setFieldError(""); }}
          />
          {fieldError && <p class="field-error" id="try-message-error">{fieldError}</p>}
        </div>
        <div class="actions">
          <button type="submit" disabled={busy}>{busy ? "Sending…" : "Send"}</button>
          <button type="button" class="secondary" onClick={restart} disabled={busy || lines.length === 0}>New conversation</button>
        </div>
      </form>
    </section>
  );
}

function VoiceCard({ slug, name, forms }: { slug: string; name: string; forms: readonly FormDefinition[] }) {
  const { api } = useServices();
  const call = useRef<VoiceCall | null>(null);
  const [state, setState] = useState<CallStatus>("idle");
  const [speaking, setSpeaking] = useState(false);
  const [lines, setLines] = useState<Line[]>([]);
  const [error, setError] = useState("");
  // A form the agent shows during the call (show_form over RTVI): the call waits for its outcome.
  const [shown, setShown] = useState<{ key: string; form: FormDefinition; prefill?: Record<string, unknown> | undefined; settle: (o: FormOutcome) => void } | null>(null);
  const formsRef = useRef(forms);
  formsRef.current = forms;

  useEffect(() => () => void call.current?.end(), []); // leaving the page hangs up

  const showForm = (request: ShowFormRequest): Promise<FormOutcome> => {
    const form = request.form ?? formsRef.current.find((f) => f.id === request.form_id);
    if (!form) return Promise.resolve({ status: "cancelled", form_id: request.form_id, error: `there is no form "${request.form_id}"` });
    return new Promise<FormOutcome>((resolve) => {
      const key = newId("vf");
      setShown({
        key, form, prefill: request.prefill,
        settle: (outcome) => {
          setLines((ls) => addNote(ls, newId("v"), formOutcomeNote(outcome)));
          resolve(outcome);
        },
      });
    });
  };
  const submitValues = (form: FormDefinition, values: FormValues) => {
    const options: Parameters<typeof submitForm>[2] = { agent: slug, baseUrl: location.origin };
    const sessionId = call.current?.session?.session_id;
    if (sessionId) options.sessionId = sessionId;
    return submitForm(form, values, options);
  };

  const start = async (): Promise<void> => {
    setError("");
    setLines([]);
    setState("connecting");
    const c = new VoiceCall({
        baseUrl: location.origin,
        agent: slug,
        fetch: api.ownerFetch(),
        onShowForm: showForm,
        handlers: {
          state: (s) => setState(s),
          caption: (c) => setLines((ls) => mergeCaption(ls, c)),
          agentSpeaking: (on) => setSpeaking(on),
          ended: ({ reason }) => {
            setShown(null);
            if (reason === "remote") setLines((ls) => addNote(ls, newId("v"), "The agent ended the call."));
          },
        },
      });
    call.current = c;
    try {
      await c.connect();
    } catch (err) {
      if (call.current === c) call.current = null;
      setState("failed");
      setError(errorText(err));
    }
  };
  const hangUp = async (): Promise<void> => {
    await call.current?.end();
    call.current = null;
  };
  const live = state === "connecting" || state === "connected";

  return (
    <section class="card" aria-labelledby="try-voice">
      <h2 id="try-voice">Voice call</h2>
      <p class={`call-status ${state}`} role="status">{callStatusText(state, speaking)}</p>
      {error && <Banner>{error}</Banner>}
      <div class="actions call-actions">
        <button type="button" onClick={() => void start()} disabled={live}>Call</button>
        <button type="button" class="danger" onClick={() => void hangUp()} disabled={!live}>Hang up</button>
      </div>
      <Transcript lines={lines} name={name} label="Call transcript" empty="Captions of the call appear here." />
      {shown && (
        <LiveForm
          key={shown.key}
          form={shown.form}
          prefill={shown.prefill}
          idPrefix={`try-${shown.key}`}
          submit={(values) => submitValues(shown.form, values)}
          onOutcome={shown.settle}
          onDone={() => setShown(null)}
        />
      )}
    </section>
  );
}
