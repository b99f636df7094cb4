// The owner dashboard's entry point: /dashboard/ on this server (see webassets.py).
import { render } from "preact";
import { Api } from "./api/client";
import { App, makeQueryClient } from "./app";
import type { ServerConfig } from "./context";
import { DraftStore } from "./state/drafts";

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: tokens live in memory only
  }
}

const config: ServerConfig = {
  publicUrl: (meta("oshara-public-url") || window.location.origin).replace(/\/+$/, ""),
  registration: meta("oshara-registration") !== "false",
};
const api = new Api((input, init) => window.fetch(input, init), storage());
const drafts = new DraftStore(storage());
const queryClient = makeQueryClient();
let lastEmail = api.session.email;
api.session.subscribe(() => {
  // Another account signed in: nothing cached for the previous one may show.
  if (api.session.status === "signed-in" && api.session.email !== lastEmail) {
    queryClient.clear();
    drafts.clearAll();
  }
  if (api.session.status === "signed-in") lastEmail = api.session.email;
});

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App services={{ api, drafts, config }} queryClient={queryClient} />, root);
}
