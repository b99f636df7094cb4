// Account → webhook signing secret of an agent's http tools: status for everyone; rotate (the
// secret is shown once) and turn off for admins and owners.
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { Banner, errorText } from "../components/banner";
import { AgentPicker } from "../components/agent-picker";
import { ConfirmDialog } from "../components/confirm";
import { ShownOnce, When } from "../components/shown-once";
import { useServices } from "../context";

export function WebhookSecretSection({ canChange }: { canChange: boolean }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api.listAgents() });
  const [picked, setPicked] = useState("");
  const slug = picked || agents.data?.[0]?.slug || "";
  const status = useQuery({ queryKey: ["webhook-secret", slug], queryFn: () => api.webhookSecret(slug), enabled: !!slug });
  const [secret, setSecret] = useState<string | null>(null);
  const [confirmOff, setConfirmOff] = useState(false);
  const done = (): void => void queries.invalidateQueries({ queryKey: ["webhook-secret", slug] });
  const rotate = useMutation({
    mutationFn: () => api.rotateWebhookSecret(slug),
    onSuccess: (out) => { setSecret(out.secret); done(); },
  });
  const off = useMutation({
    mutationFn: () => api.deleteWebhookSecret(slug),
    onSuccess: () => { setConfirmOff(false); done(); },
  });
  return (
    <section class="card" aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook signing secret</h2>
      <p class="hint">With a secret, every request an agent's <code>http</code> tools send is signed so your server can check it came from Oshara.</p>
      {agents.isError ? <Banner>{errorText(agents.error)}</Banner> : null}
      {agents.data && agents.data.length === 0 ? <p class="empty">No agents yet.</p> : null}
      {agents.data && agents.data.length > 0 ? (
        <AgentPicker id="webhook-agent" label="Agent" agents={agents.data} value={slug} onValue={(s) => { setPicked(s); setSecret(null); }} />
      ) : null}
      {status.isError ? <Banner>{errorText(status.error)}</Banner> : null}
      {rotate.isError ? <Banner>{errorText(rotate.error)}</Banner> : null}
      {off.isError ? <Banner>{errorText(off.error)}</Banner> : null}
      {status.data ? (
        <p role="status">
          {status.data.enabled ? <>Signing is on (secret created <When iso={status.data.created_at} />).</> : "Signing is off: tool requests are not signed."}
        </p>
      ) : null}
      {secret ? <ShownOnce id="new-webhook-secret" label="Signing secret" secret={secret} onDone={() => setSecret(null)} /> : null}
      {status.data && canChange && !secret ? (
        <div class="actions">
          <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            {status.data.enabled ? "Rotate secret" : "Create secret"}
          </button>
          {status.data.enabled ? <button type="button" class="danger secondary" onClick={() => setConfirmOff(true)}>Turn signing off</button> : null}
        </div>
      ) : null}
      {status.data && !canChange ? <p class="hint">Admins and owners create and rotate the secret.</p> : null}
      <ConfirmDialog open={confirmOff} title="Turn signing off?" confirmLabel="Turn off" busy={off.isPending} onConfirm={() => off.mutate()} onCancel={() => setConfirmOff(false)}>
        <p>The current secret stops working; tool requests are sent unsigned.</p>
      </ConfirmDialog>
    </section>
  );
}
