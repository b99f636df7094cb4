// The signed-in session: the token pair, kept in memory and in sessionStorage, refreshed in
// the background before the access token expires.
//
// Why sessionStorage: it survives a reload of the tab but not closing it, is never sent
// automatically (no cookie, so no CSRF), and is not shared between tabs -- each refresh token
// works once (rotation), so two tabs sharing one would race and revoke each other's login.
// Tokens never go in a URL. The strict CSP (no inline or remote script) is what keeps them
// away from injected code.
import type { components } from "../../api/schema";

export type Tokens = components["schemas"]["TokenPair"];
export type SessionStatus = "signed-out" | "signed-in" | "expired";

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  readonly length?: number;
  key?(index: number): string | null;
}

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const KEY = "oshara.dashboard.tokens";
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Expiry (ms since epoch) of a JWT, from its `exp` claim; null when unreadable. */
export function tokenExpiry(jwt: string): number | null {
  const part = jwt.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const exp: unknown = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** When to refresh: a minute before expiry, or halfway for tokens shorter-lived than 2 min. */
export function refreshDelay(expiresAt: number, now: number): number {
  const left = expiresAt - now;
  const delay = left > 120_000 ? left - 60_000 : left / 2;
  return Math.min(Math.max(0, delay), MAX_TIMER_MS);
}

export type RefreshFn = (refresh: string) => Promise<Tokens | null>;

export class Session {
  private tokens: Tokens | null = null;
  private state: SessionStatus = "signed-out";
  private timer: unknown = null;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<() => void>();
  /** The email of the last sign-in, kept across expiry to prefill the sign-in form. */
  email = "";

  constructor(
    private readonly storage: KeyValueStorage | null,
    private readonly doRefresh: RefreshFn,
    private readonly clock: Clock = realClock,
  ) {
    const saved = storage?.getItem(KEY);
    if (saved) {
      try {
        const parsed = JSON.parse(saved) as { access?: unknown; refresh?: unknown; email?: unknown };
        if (typeof parsed.access === "string" && typeof parsed.refresh === "string") {
          this.email = typeof parsed.email === "string" ? parsed.email : "";
          this.set({ access: parsed.access, refresh: parsed.refresh });
        }
      } catch {
        storage?.removeItem(KEY);
      }
    }
  }

  get status(): SessionStatus {
    return this.state;
  }

  get access(): string | null {
    return this.tokens?.access ?? null;
  }

  get refreshToken(): string | null {
    return this.tokens?.refresh ?? null;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  signIn(tokens: Tokens, email: string): void {
    this.email = email;
    this.set(tokens);
  }

  /** Forget the tokens (the caller tells the server with /api/auth/logout/). */
  signOut(): void {
    this.clear("signed-out");
  }

  /** The server refused our tokens: back to sign-in, keeping what the user typed elsewhere. */
  expire(): void {
    if (this.state === "signed-in") this.clear("expired");
  }

  /** Exchange the refresh token for a new pair, once at a time; false when the session ended. */
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const current = this.tokens;
    if (!current) return Promise.resolve(false);
    this.inflight = this.doRefresh(current.refresh)
      .then((next) => {
        if (this.tokens !== current) return this.tokens !== null; // signed out or in meanwhile
        if (!next) {
          this.expire();
          return false;
        }
        this.set(next);
        return true;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private set(tokens: Tokens): void {
    this.tokens = tokens;
    this.state = "signed-in";
    this.storage?.setItem(KEY, JSON.stringify({ ...tokens, email: this.email }));
    this.schedule();
    this.emit();
  }

  private clear(state: SessionStatus): void {
    this.tokens = null;
    this.state = state;
    this.storage?.removeItem(KEY);
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.emit();
  }

  private schedule(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    const expires = this.tokens ? tokenExpiry(this.tokens.access) : null;
    if (expires === null) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      // A failed network refresh keeps the session: the next request retries via 401.
      void this.refresh().catch(() => undefined);
    }, refreshDelay(expires, this.clock.now()));
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }
}
