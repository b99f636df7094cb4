// /agents/:slug/forms: the forms builder (placeholder until it lands).
import { Link } from "wouter-preact";
import { AgentTabs } from "../components/agent-tabs";

export function FormsPage({ slug }: { slug: string }) {
  return (
    <>
      <p class="crumbs"><Link href="/agents">Agents</Link> / {slug} / Forms</p>
      <h1>Forms</h1>
      <AgentTabs slug={slug} />
      <p>The forms builder is coming.</p>
    </>
  );
}
