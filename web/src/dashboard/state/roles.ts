// What the signed-in role may do in the organization (docs/api.md "Roles"): the dashboard
// hides or disables what the server would refuse with a 403.
export type Role = "owner" | "admin" | "member";

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function asRole(value: string | null | undefined): Role | null {
  return value === "owner" || value === "admin" || value === "member" ? value : null;
}

export interface Permissions {
  /** See, create and revoke API keys. */
  apiKeys: boolean;
  /** List, create and revoke invitations. */
  invitations: boolean;
  /** Change members' roles and remove other members. */
  manageMembers: boolean;
  /** Rotate or turn off an agent's webhook signing secret. */
  webhookSecret: boolean;
}

export function permissions(role: Role | null): Permissions {
  const rank = role ? RANK[role] : -1;
  return {
    apiKeys: rank >= RANK.admin,
    invitations: rank >= RANK.admin,
    manageMembers: rank >= RANK.owner,
    webhookSecret: rank >= RANK.admin,
  };
}

/** The roles this role may invite: admins invite admins and members, owners anyone. */
export function invitableRoles(role: Role | null): Role[] {
  if (role === "owner") return ["member", "admin", "owner"];
  if (role === "admin") return ["member", "admin"];
  return [];
}

/** Whether `role` may revoke an invitation for `invited` (owner invitations need an owner). */
export function canRevokeInvitation(role: Role | null, invited: Role): boolean {
  return invitableRoles(role).includes(invited);
}

/** Remove a member: owners remove anyone; everyone may leave (remove themself). */
export function canRemoveMember(role: Role | null, myId: string | null, memberId: string): boolean {
  return role === "owner" || (myId !== null && myId === memberId);
}
