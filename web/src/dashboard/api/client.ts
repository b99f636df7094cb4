// The dashboard's one API layer: every call to the server goes through `Api.request`, which
// adds the access token, refreshes it once on a 401 and otherwise ends the session. Request
// and response types come from the generated OpenAPI schema (src/api/schema.d.ts).
import type { components } from "../../api/schema";
import { ApiError, NetworkError, SessionExpiredError, errorFromBody } from "./errors";
import { Session, type KeyValueStorage, type Clock, realClock, type Tokens } from "./session";

type S = components["schemas"];
export type Agent = S["CharacterOut"];
export type AgentCreate = S["CharacterCreate"];
export type AgentUpdate = S["CharacterUpdate"];
export type Me = S["MeOut"];
export type RegisterBody = S["RegisterIn"];
export type Limits = S["Limits"];
export type Models = S["ModelsOut"];
export type RoleModels = S["RoleModels"];
export type SaveWarning = { field: string; message: string };
export type AgentSaved = Agent & { warnings?: SaveWarning[] };
export type CallSummary = S["SessionSummary"];
export type CallDetail = S["SessionDetail"];
export type KnowledgeDoc = S["DocumentOut"];
export type Passage = S["PassageOut"];

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

interface RequestOptions {
  auth?: boolean;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class Api {
  readonly session: Session;

  constructor(
    private readonly fetchFn: FetchFn,
    storage: KeyValueStorage | null,
    clock: Clock = realClock,
    private readonly base = "",
  ) {
    this.session = new Session(storage, (refresh) => this.exchange(refresh), clock);
  }

  async request<T>(method: Method, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const auth = opts.auth ?? true;
    let res = await this.send(method, path, body, auth);
    if (res.status === 401 && auth) {
      if (await this.session.refresh()) res = await this.send(method, path, body, auth);
      if (res.status === 401) {
        this.session.expire();
        throw new SessionExpiredError();
      }
    }
    const data = await readBody(res);
    if (!res.ok) throw errorFromBody(res.status, data);
    return data as T;
  }

  private async send(method: Method, path: string, body: unknown, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth) {
      const token = this.session.access;
      if (!token) {
        this.session.expire();
        throw new SessionExpiredError();
      }
      headers.Authorization = `Bearer ${token}`;
    }
    const init: RequestInit = { method, headers, credentials: "omit" };
    if (body !== undefined) init.body = JSON.stringify(body);
    try {
      return await this.fetchFn(this.base + path, init);
    } catch {
      throw new NetworkError();
    }
  }

  /** POST /api/auth/refresh/: a new pair, or null when the refresh token is no longer valid. */
  private async exchange(refresh: string): Promise<Tokens | null> {
    const res = await this.send("POST", "/api/auth/refresh/", { refresh }, false);
    if (res.status === 400 || res.status === 401 || res.status === 403) return null;
    const data = await readBody(res);
    if (!res.ok) throw errorFromBody(res.status, data);
    return data as Tokens;
  }

  // ---------------------------------------------------------------- auth

  async signIn(email: string, password: string): Promise<void> {
    const tokens = await this.request<Tokens>("POST", "/api/auth/login/", { email, password }, { auth: false });
    this.session.signIn(tokens, email);
  }

  async register(body: RegisterBody): Promise<void> {
    const out = await this.request<S["RegisterOut"]>("POST", "/api/auth/register/", body, { auth: false });
    this.session.signIn({ access: out.access, refresh: out.refresh }, body.email);
  }

  async signOut(): Promise<void> {
    const refresh = this.session.refreshToken;
    try {
      if (refresh) await this.request<null>("POST", "/api/auth/logout/", { refresh });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    } finally {
      this.session.signOut();
    }
  }

  async changePassword(current_password: string, new_password: string): Promise<void> {
    const body: S["PasswordChangeIn"] = { current_password, new_password };
    const tokens = await this.request<Tokens>("POST", "/api/auth/password/", body);
    this.session.signIn(tokens, this.session.email);
  }

  me(): Promise<Me> {
    return this.request<Me>("GET", "/api/auth/me/");
  }

  /** GET /api/models/: the LLM / STT / TTS choices of this server. */
  models(): Promise<Models> {
    return this.request<Models>("GET", "/api/models/");
  }

  // ---------------------------------------------------------------- agents

  listAgents(): Promise<Agent[]> {
    return this.request<Agent[]>("GET", "/api/ai-characters/?limit=200");
  }

  getAgent(slug: string): Promise<Agent> {
    return this.request<Agent>("GET", `/api/ai-characters/${encodeURIComponent(slug)}/`);
  }

  createAgent(body: AgentCreate): Promise<AgentSaved> {
    return this.request<AgentSaved>("POST", "/api/ai-characters/", body);
  }

  updateAgent(slug: string, body: AgentUpdate): Promise<AgentSaved> {
    return this.request<AgentSaved>("PATCH", `/api/ai-characters/${encodeURIComponent(slug)}/`, body);
  }

  deleteAgent(slug: string): Promise<null> {
    return this.request<null>("DELETE", `/api/ai-characters/${encodeURIComponent(slug)}/`);
  }

  // ---------------------------------------------------------------- knowledge base

  listDocuments(slug: string): Promise<KnowledgeDoc[]> {
    return this.request<KnowledgeDoc[]>("GET", `/api/ai-characters/${encodeURIComponent(slug)}/knowledge/`);
  }

  getDocument(slug: string, id: string): Promise<KnowledgeDoc> {
    return this.request<KnowledgeDoc>("GET", `/api/ai-characters/${encodeURIComponent(slug)}/knowledge/${encodeURIComponent(id)}/`);
  }

  deleteDocument(slug: string, id: string): Promise<null> {
    return this.request<null>("DELETE", `/api/ai-characters/${encodeURIComponent(slug)}/knowledge/${encodeURIComponent(id)}/`);
  }

  searchKnowledge(slug: string, q: string): Promise<Passage[]> {
    return this.request<Passage[]>("GET", `/api/ai-characters/${encodeURIComponent(slug)}/knowledge-search/?q=${encodeURIComponent(q)}`);
  }

  /** The knowledge upload's URL (multipart, sent by api/upload.ts for its progress events). */
  documentsPath(slug: string): string {
    return `${this.base}/api/ai-characters/${encodeURIComponent(slug)}/knowledge/`;
  }

  // ---------------------------------------------------------------- calls (sessions)

  /** `query` from state/timeline.ts sessionsQuery ("?…"). */
  listSessions(query: string): Promise<CallSummary[]> {
    return this.request<CallSummary[]>("GET", `/api/sessions/${query}`);
  }

  getSession(id: string): Promise<CallDetail> {
    return this.request<CallDetail>("GET", `/api/sessions/${encodeURIComponent(id)}/`);
  }

  /** A 60 s ticket for the session's event stream, and the stream's URL for EventSource
   * (the ticket, never the access token, goes in the URL). */
  async sessionEventsUrl(id: string): Promise<string> {
    const out = await this.request<S["EventsTicket"]>("POST", `/api/sessions/${encodeURIComponent(id)}/events/ticket/`, {});
    return this.base + out.url;
  }
}
