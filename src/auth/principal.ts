// Who is calling, and what they may do. Roles grant permissions globally or on one environment;
// an API token can narrow its user's permissions further, never widen them.
import { ACCOUNT_SCOPE, type Grant, grantCovers, type Permission, type TokenGrant } from './permissions.ts';

export interface RoleGrant {
  grants: readonly Grant[];
  /** null: on every environment (and for kinds that are not per environment). */
  environmentId: number | null;
}

export interface Principal {
  userId: number;
  username: string;
  roles: RoleGrant[];
  /** git-deployer: a Git stack's webhook or poll, acting for the person who set what it follows. */
  via: 'session' | 'token' | 'auth-off' | 'git-deployer';
  /** The token's scope, when the call came with an API token. */
  tokenScope?: readonly TokenGrant[];
  sessionId?: string;
  /** A cookie session sent the right CSRF token (always true for API tokens). */
  csrfValid: boolean;
  /** The MFA policy requires a second factor this person has not set up yet. */
  mfaEnrolmentRequired?: boolean;
}

export function can(principal: Principal, permission: Permission, environmentId?: number): boolean {
  const roleAllows = principal.roles.some(
    (role) =>
      (role.environmentId === null || role.environmentId === environmentId) &&
      role.grants.some((grant) => grantCovers(grant, permission)),
  );
  const scopeAllows =
    !principal.tokenScope || principal.tokenScope.some((grant) => grantCovers(grant, permission));
  return roleAllows && scopeAllows;
}

/** Whether the caller holds `permission` on at least one environment (or on all of them). */
export function canOnSomeEnvironment(principal: Principal, permission: Permission): boolean {
  return principal.roles.some((role) => can(principal, permission, role.environmentId ?? undefined));
}

/** Whether the caller may manage their own account: any session, a token only with `account`. */
export function canManageAccount(principal: Principal): boolean {
  return !principal.tokenScope || principal.tokenScope.includes(ACCOUNT_SCOPE);
}
