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
export type CharacterTool = S["CharacterTool"];
export type HttpToolConfig = S["HttpToolConfig"];
export type McpToolConfig = S["McpToolConfig"];
export type ToolTestIn = S["ToolTestIn"];
export type ToolTestOut = S["ToolTestOut"];
export type McpToolsOut = S["McpToolsOut"];
export type McpToolInfo = S["McpToolInfo"];
export type SaveWarning = S["EgressWarning"];
export type ApiKey = S["ApiKeyOut"];
export type ApiKeyCreated = S["ApiKeyCreated"];
export type Member = S["MemberOut"];
export type Invitation = S["InvitationOut"];
export type InvitationCreated = S["InvitationCreated"];
export type OrgRole = S["Role"];
export type WebhookSecret = S["WebhookSecretOut"];
export type WebhookSecretCreated = S["WebhookSecretCreated"];
export type FormResponse = S["FormResponseOut"];
export type Overview = S["OverviewOut"];
export type AgentSaved = S["CharacterSaved"];
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

function toolPath(slug: string, name: string): string {
  return `/api/ai-characters/${encodeURIComponent(slug)}/tools/${encodeURIComponent(name)}/`;
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

  /** A file download (GET, with the token in the header, never in a URL): its bytes and name. */
  async download(path: string): Promise<{ blob: Blob; disposition: string | null }> {
    let res = await this.send("GET", path, undefined, true);
    if (res.status === 401) {
      if (await this.session.refresh()) res = await this.send("GET", path, undefined, true);
      if (res.status === 401) {
        this.session.expire();
        throw new SessionExpiredError();
      }
    }
    if (!res.ok) throw errorFromBody(res.status, await readBody(res));
    return { blob: await res.blob(), disposition: res.headers.get("Content-Disposition") };
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

  // ---------------------------------------------------------------- tools

  /** Run one saved tool once, as a call would (the Tools page's Test button). */
  testTool(slug: string, name: string, body: ToolTestIn): Promise<ToolTestOut> {
    return this.request<ToolTestOut>("POST", `${toolPath(slug, name)}test/`, body);
  }

  /** The tools an mcp tool's server offers (or why they could not be listed). */
  mcpTools(slug: string, name: string): Promise<McpToolsOut> {
    return this.request<McpToolsOut>("GET", `${toolPath(slug, name)}mcp-tools/`);
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

  /**
   * `fetch` for the SDK's session start from the dashboard ("Try it"): the access token in the
   * Authorization header, so the session is the owner's and needs no allowed origin.
   */
  ownerFetch(): typeof fetch {
    return (input, init) => {
      const headers = new Headers(init?.headers);
      const token = this.session.access;
      if (token) headers.set("Authorization", `Bearer ${token}`);
      return this.fetchFn(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, { ...init, headers, credentials: "omit" });
    };
  }

  /** The knowledge upload's URL (multipart, sent by api/upload.ts for its progress events). */
  documentsPath(slug: string): string {
    return `${this.base}/api/ai-characters/${encodeURIComponent(slug)}/knowledge/`;
  }

  // ---------------------------------------------------------------- account: keys, members

  listApiKeys(): Promise<ApiKey[]> {
    return this.request<ApiKey[]>("GET", "/api/api-keys/");
  }

  createApiKey(name: string): Promise<ApiKeyCreated> {
    return this.request<ApiKeyCreated>("POST", "/api/api-keys/", { name });
  }

  revokeApiKey(id: string): Promise<null> {
    return this.request<null>("DELETE", `/api/api-keys/${encodeURIComponent(id)}/`);
  }

  listMembers(): Promise<Member[]> {
    return this.request<Member[]>("GET", "/api/organization/members/");
  }

  changeMemberRole(userId: string, role: OrgRole): Promise<Member> {
    return this.request<Member>("PATCH", `/api/organization/members/${encodeURIComponent(userId)}/`, { role });
  }

  removeMember(userId: string): Promise<null> {
    return this.request<null>("DELETE", `/api/organization/members/${encodeURIComponent(userId)}/`);
  }

  listInvitations(): Promise<Invitation[]> {
    return this.request<Invitation[]>("GET", "/api/organization/invitations/");
  }

  invite(email: string, role: OrgRole): Promise<InvitationCreated> {
    return this.request<InvitationCreated>("POST", "/api/organization/invitations/", { email, role });
  }

  revokeInvitation(id: string): Promise<null> {
    return this.request<null>("DELETE", `/api/organization/invitations/${encodeURIComponent(id)}/`);
  }

  webhookSecret(slug: string): Promise<WebhookSecret> {
    return this.request<WebhookSecret>("GET", `/api/ai-characters/${encodeURIComponent(slug)}/webhook-secret/`);
  }

  rotateWebhookSecret(slug: string): Promise<WebhookSecretCreated> {
    return this.request<WebhookSecretCreated>("POST", `/api/ai-characters/${encodeURIComponent(slug)}/webhook-secret/`, {});
  }

  deleteWebhookSecret(slug: string): Promise<null> {
    return this.request<null>("DELETE", `/api/ai-characters/${encodeURIComponent(slug)}/webhook-secret/`);
  }

  // ---------------------------------------------------------------- form responses, overview

  /** `query` from state/responses.ts filterQuery ("" or "?…"). */
  formResponses(slug: string, query: string): Promise<FormResponse[]> {
    return this.request<FormResponse[]>("GET", `/api/agents/${encodeURIComponent(slug)}/form-responses/${query}`);
  }

  formResponsesCsv(slug: string, query: string): Promise<{ blob: Blob; disposition: string | null }> {
    return this.download(`/api/agents/${encodeURIComponent(slug)}/form-responses/${query}`);
  }

  overview(days: number, agent: string): Promise<Overview> {
    const q = new URLSearchParams({ days: String(days) });
    if (agent) q.set("agent", agent);
    return this.request<Overview>("GET", `/api/stats/overview/?${q.toString()}`);
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
