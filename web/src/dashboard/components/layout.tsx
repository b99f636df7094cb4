import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useQueryClient } from "@tanstack/preact-query";
import { Link, useLocation } from "wouter-preact";
import { useServices } from "../context";

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const [location] = useLocation();
  const current = location === href || location.startsWith(href + "/");
  return (
    <Link href={href} aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { api, drafts } = useServices();
  const queries = useQueryClient();
  const [busy, setBusy] = useState(false);
  const signOut = async (): Promise<void> => {
    setBusy(true);
    try {
      await api.signOut();
    } finally {
      drafts.clearAll();
      queries.clear();
      setBusy(false);
    }
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <span class="brand">Oshara</span>
        <nav aria-label="Main">
          <NavLink href="/overview">Overview</NavLink>
          <NavLink href="/agents">Agents</NavLink>
          <NavLink href="/calls">Calls</NavLink>
          <NavLink href="/responses">Responses</NavLink>
          <NavLink href="/account">Account</NavLink>
        </nav>
        <span class="who" title={api.session.email}>{api.session.email}</span>
        <button type="button" class="secondary small" onClick={() => void signOut()} disabled={busy}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  return <h1>{children}</h1>;
}
