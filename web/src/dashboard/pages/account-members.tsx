// Account → members and invitations. Everyone sees the members; admins invite (the token is
// shown once) and revoke invitations; owners change roles and remove members; anyone may leave.
import { useMutation, useQuery, useQueryClient } from "@tanstack/preact-query";
import { useState } from "preact/hooks";
import type { InvitationCreated, Member, OrgRole } from "../api/client";
import { ApiError, mapFieldErrors } from "../api/errors";
import { Banner, errorText } from "../components/banner";
import { ConfirmDialog } from "../components/confirm";
import { TextField } from "../components/fields";
import { ShownOnce, When } from "../components/shown-once";
import { useServices } from "../context";
import { type Role, canRemoveMember, canRevokeInvitation, invitableRoles, permissions } from "../state/roles";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function MembersSection({ role, myId }: { role: Role | null; myId: string | null }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const can = permissions(role);
  const members = useQuery({ queryKey: ["members"], queryFn: () => api.listMembers() });
  const [removing, setRemoving] = useState<Member | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const changeRole = useMutation({
    mutationFn: (v: { id: string; role: OrgRole }) => api.changeMemberRole(v.id, v.role),
    onSuccess: (m) => {
      setMessage(`${m.email} is now ${m.role}.`);
      void queries.invalidateQueries({ queryKey: ["members"] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.removeMember(id),
    onSuccess: () => {
      setRemoving(null);
      void queries.invalidateQueries({ queryKey: ["members"] });
    },
  });
  const leaving = removing !== null && removing.user_id === myId;
  return (
    <section class="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members.isError ? <Banner>{errorText(members.error)}</Banner> : null}
      {changeRole.isError ? <Banner>{errorText(changeRole.error)}</Banner> : null}
      {remove.isError ? <Banner>{errorText(remove.error)}</Banner> : null}
      {message ? <Banner kind="success">{message}</Banner> : null}
      {members.isPending ? <p role="status">Loading members…</p> : null}
      {members.data ? (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Members</caption>
            <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.user_id}>
                  <td>{m.email}{m.user_id === myId ? " (you)" : ""}</td>
                  <td>{m.full_name || "—"}</td>
                  <td>
                    {can.manageMembers ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        disabled={changeRole.isPending}
                        onChange={(e) => {
                          setMessage(null);
                          changeRole.mutate({ id: m.user_id, role: e.currentTarget.value as OrgRole });
                        }}
                      >
                        {invitableRoles("owner").map((r) => <option key={r} value={r}>{r}</option>)}
                      </select>
                    ) : m.role}
                  </td>
                  <td><When iso={m.joined_at} /></td>
                  <td>
                    {canRemoveMember(role, myId, m.user_id) ? (
                      <button type="button" class="danger secondary small" onClick={() => setRemoving(m)}>
                        {m.user_id === myId ? "Leave" : <>Remove<span class="sr-only"> {m.email}</span></>}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {can.invitations ? <Invitations role={role} /> : <p class="hint">Admins and owners invite people; ask one of them.</p>}
      <ConfirmDialog
        open={removing !== null}
        title={leaving ? "Leave this organization?" : "Remove this member?"}
        confirmLabel={leaving ? "Leave" : "Remove member"}
        busy={remove.isPending}
        onConfirm={() => removing && remove.mutate(removing.user_id)}
        onCancel={() => setRemoving(null)}
      >
        <p>{leaving ? "You lose access to its agents at once." : `${removing?.email ?? ""} loses access at once; their sign-ins here end.`}</p>
      </ConfirmDialog>
    </section>
  );
}

function Invitations({ role }: { role: Role | null }) {
  const { api } = useServices();
  const queries = useQueryClient();
  const pending = useQuery({ queryKey: ["invitations"], queryFn: () => api.listInvitations() });
  const roles = invitableRoles(role);
  const [email, setEmail] = useState("");
  const [inviteRole, setInviteRole] = useState<OrgRole>("member");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<InvitationCreated | null>(null);
  const invite = useMutation({
    mutationFn: (v: { email: string; role: OrgRole }) => api.invite(v.email, v.role),
    onSuccess: (inv) => {
      setCreated(inv);
      setEmail("");
      void queries.invalidateQueries({ queryKey: ["invitations"] });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.errors.length) setFields(mapFieldErrors(err.errors, ["email", "role"]).fields);
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeInvitation(id),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["invitations"] }),
  });
  const submit = (e: Event): void => {
    e.preventDefault();
    const value = email.trim();
    if (!EMAIL.test(value)) {
      setFields({ email: "Enter an email address like name@example.com." });
      return;
    }
    setFields({});
    invite.mutate({ email: value, role: inviteRole });
  };
  return (
    <>
      <h3>Pending invitations</h3>
      {pending.isError ? <Banner>{errorText(pending.error)}</Banner> : null}
      {revoke.isError ? <Banner>{errorText(revoke.error)}</Banner> : null}
      {pending.data && pending.data.length === 0 ? <p class="empty">No pending invitations.</p> : null}
      {pending.data && pending.data.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Pending invitations</caption>
            <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Invited by</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {pending.data.map((inv) => (
                <tr key={inv.id}>
                  <td>{inv.email}</td>
                  <td>{inv.role}</td>
                  <td>{inv.invited_by ?? "—"}</td>
                  <td><When iso={inv.expires_at} /></td>
                  <td>
                    <button type="button" class="danger secondary small" disabled={!canRevokeInvitation(role, inv.role) || revoke.isPending} onClick={() => revoke.mutate(inv.id)}>
                      Revoke<span class="sr-only"> invitation for {inv.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {created ? (
        <ShownOnce
          id="new-invitation"
          label={`Invitation token for ${created.email}`}
          secret={created.token}
          note={`Invitation created. Give this token to ${created.email}: they enter it when they create their account (or join while signed in). It is shown only now.`}
          onDone={() => setCreated(null)}
        />
      ) : (
        <form class="inline-form" onSubmit={submit} noValidate aria-label="Invite someone">
          {invite.isError ? <Banner>{errorText(invite.error)}</Banner> : null}
          <TextField name="invite_email" label="Email to invite" type="email" value={email} onValue={setEmail} error={fields.email} />
          <div class="field">
            <label for="f-invite_role">Role</label>
            <select id="f-invite_role" value={inviteRole} onChange={(e) => setInviteRole(e.currentTarget.value as OrgRole)}>
              {roles.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
            {fields.role ? <p class="field-error">{fields.role}</p> : null}
          </div>
          <button type="submit" disabled={invite.isPending}>Invite</button>
        </form>
      )}
    </>
  );
}
