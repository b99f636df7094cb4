import type { Agent } from "../api/client";
import { CopyBlock } from "../components/copy";
import { useServices } from "../context";
import { backendSnippet, embedSnippet } from "../state/snippets";

export function EmbedSection({ agent }: { agent: Agent }) {
  const { config } = useServices();
  const origin = agent.allowed_origins.find((o) => o !== "*" && !o.includes("*")) ?? "https://yoursite.com";
  return (
    <section class="card embed" aria-labelledby="embed-title">
      <h2 id="embed-title">Embed</h2>
      <p>Add this tag to your site; its origin must be in <em>Allowed origins</em>.</p>
      <CopyBlock id="embed-snippet" label="Embed snippet" text={embedSnippet(config.publicUrl, agent.slug)} />
      <p>Or start sessions from your backend (guide, Pattern 1): your users need no Oshara account and you pass who they are.</p>
      <CopyBlock id="backend-snippet" label="Backend token snippet" text={backendSnippet(config.publicUrl, agent.slug, origin)} />
      <p><a href={`/try/${agent.slug}`} target="_blank" rel="noopener">Try it on a test page</a></p>
    </section>
  );
}
