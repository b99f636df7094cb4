// The per-agent pages (/agents/:slug/<section>): a small tab bar under the agent's name.
import { Link, useLocation } from "wouter-preact";

const SECTIONS: ReadonlyArray<{ path: string; label: string }> = [
  { path: "", label: "Settings" },
  { path: "/look", label: "Look" },
  { path: "/forms", label: "Forms" },
  { path: "/tools", label: "Tools" },
  { path: "/knowledge", label: "Knowledge base" },
  { path: "/try", label: "Try it" },
  { path: "/responses", label: "Form responses" },
];

export function AgentTabs({ slug }: { slug: string }) {
  const [location] = useLocation();
  const base = `/agents/${encodeURIComponent(slug)}`;
  return (
    <nav class="agent-tabs" aria-label="Agent">
      {SECTIONS.map((s) => {
        const href = base + s.path;
        return (
          <Link key={s.path} href={href} aria-current={location === href ? "page" : undefined}>
            {s.label}
          </Link>
        );
      })}
    </nav>
  );
}
