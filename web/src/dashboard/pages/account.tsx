import { useQuery } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import { ApiError, mapFieldErrors } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { TextField } from "../components/fields";
import { useServices } from "../context";
import { asRole, permissions } from "../state/roles";
import { ApiKeysSection } from "./account-keys";
import { MembersSection } from "./account-members";
import { WebhookSecretSection } from "./account-webhook";

export function AccountPage() {
  const { api } = useServices();
  const me = useQuery({ queryKey: ["me"], queryFn: () => api.me() });
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setMessage(null);
    const local: Record<string, string> = {};
    if (!current) local.current_password = "Enter your current password.";
    if (next.length < 8) local.new_password = "Use at least 8 characters.";
    setFields(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await api.changePassword(current, next);
      setCurrent("");
      setNext("");
      setMessage({ kind: "success", text: "Password changed. Your other sign-ins were signed out." });
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) {
        setFields(mapFieldErrors(err.errors, ["current_password", "new_password"]).fields);
      }
      setMessage({ kind: "error", text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>Account</h1>
      <section class="card" aria-labelledby="me-title">
        <h2 id="me-title">You</h2>
        {me.isError ? <Banner>{errorText(me.error)}</Banner> : null}
        {me.data ? (
          <dl class="facts">
            <dt>Email</dt><dd>{me.data.email}</dd>
            {me.data.full_name ? <><dt>Name</dt><dd>{me.data.full_name}</dd></> : null}
            <dt>Organization</dt><dd>{me.data.organization.name}</dd>
            <dt>Role</dt><dd>{me.data.role}</dd>
          </dl>
        ) : me.isPending ? <p role="status">Loading…</p> : null}
      </section>
      <form class="card form narrow" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="pw-title">
        <h2 id="pw-title">Change password</h2>
        {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
        <TextField name="current_password" label="Current password" type="password" autoComplete="current-password" value={current} onValue={setCurrent} error={fields.current_password} />
        <TextField name="new_password" label="New password" type="password" autoComplete="new-password" value={next} onValue={setNext} error={fields.new_password} hint="At least 8 characters." />
        <div class="actions"><button type="submit" disabled={busy}>Change password</button></div>
      </form>
      {me.data ? <AccountSections role={me.data.role} myId={me.data.id} /> : null}
    </>
  );
}

function AccountSections({ role, myId }: { role: string; myId: string | null }) {
  const r = asRole(role);
  const can = permissions(r);
  return (
    <>
      <MembersSection role={r} myId={myId} />
      {can.apiKeys ? <ApiKeysSection /> : null}
      <WebhookSecretSection canChange={can.webhookSecret} />
    </>
  );
}
