import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { Api } from "./api/client";
import type { SessionStatus } from "./api/session";
import type { DraftStore } from "./state/drafts";

export interface ServerConfig {
  /** This server's public URL, for embed snippets (from the page's <meta>). */
  publicUrl: string;
  registration: boolean;
}

export interface AppServices {
  api: Api;
  drafts: DraftStore;
  config: ServerConfig;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("AppContext is missing");
  return services;
}

export function useSessionStatus(): SessionStatus {
  const { api } = useServices();
  const [status, setStatus] = useState(api.session.status);
  useEffect(() => {
    setStatus(api.session.status);
    return api.session.subscribe(() => setStatus(api.session.status));
  }, [api]);
  return status;
}

/**
 * State that survives signing in again and reloads, until `reset` (after a successful save),
 * which forgets the draft and optionally shows `next` (the saved values). `forStorage` gives
 * what a reload may find (sessionStorage), e.g. the draft without secrets; this page keeps all.
 */
export function useDraft<T>(key: string, initial: () => T, forStorage?: (value: T) => T): [T, (next: T) => void, (next?: T) => void] {
  const { drafts } = useServices();
  const [value, setValue] = useState<T>(() => drafts.get<T>(key) ?? initial());
  const set = (next: T): void => {
    drafts.set(key, next, forStorage ? forStorage(next) : next);
    setValue(next);
  };
  const reset = (next?: T): void => {
    drafts.clear(key);
    if (next !== undefined) setValue(next);
  };
  return [value, set, reset];
}
