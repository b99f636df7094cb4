// Account → API keys: list, create (the key is shown once), revoke. Admins and owners.
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import type { ApiKey, ApiKeyCreated } from "../api/client";
import { Banner, errorText } from "../components/banner";
import { ConfirmDialog } from "../components/confirm";
import { TextField } from "../components/fields";
import { ShownOnce, When } from "../components/shown-once";
import { useServices } from "../context";

export function ApiKeysSection() {
  const { api } = useServices();
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => api.listApiKeys() });
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string | undefined>();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const create = useMutation({
    mutationFn: (n: string) => api.createApiKey(n),
    onSuccess: (key) => {
      setCreated(key);
      setName("");
      void queries.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeApiKey(id),
    onSuccess: () => {
      setRevoking(null);
      void queries.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const n = name.trim();
    if (n.length > 100) {
      setNameError("Use at most 100 characters.");
      return;
    }
    setNameError(undefined);
    create.mutate(n);
  };
  return (
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p class="hint">A key acts as an admin of this organization for scripts and servers (send it as <code>Authorization: Bearer</code>).</p>
      {keys.isError ? <Banner>{errorText(keys.error)}</Banner> : null}
      {revoke.isError ? <Banner>{errorText(revoke.error)}</Banner> : null}
      {keys.isPending ? <p role="status">Loading keys…</p> : null}
      {keys.data && keys.data.length === 0 ? <p class="empty">No API keys yet.</p> : null}
      {keys.data && keys.data.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Key starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <td>{k.name || "(no name)"}</td>
                  <td><code>{k.prefix}…</code></td>
                  <td><When iso={k.created_at} /></td>
                  <td>{k.last_used_at ? <When iso={k.last_used_at} /> : "Never"}</td>
                  <td><button type="button" class="danger secondary small" aria-label={`Revoke ${k.name || k.prefix}`} onClick={() => setRevoking(k)}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {created ? (
        <ShownOnce id="new-api-key" label="New API key" secret={created.key} onDone={() => setCreated(null)} />
      ) : (
        <form class="inline-form" onSubmit={submit} noValidate aria-label="Create an API key">
          {create.isError ? <Banner>{errorText(create.error)}</Banner> : null}
          <TextField name="api_key_name" label="Key name" value={name} onValue={setName} error={nameError} placeholder="e.g. Nightly sync" />
          <button type="submit" disabled={create.isPending}>Create key</button>
        </form>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onCancel={() => setRevoking(null)}
      >
        <p>Scripts using “{revoking?.name || revoking?.prefix}” stop working at once.</p>
      </ConfirmDialog>
    </section>
  );
}
