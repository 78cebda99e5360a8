// Logging in people that LDAP or an OIDC/OAuth2 provider vouched for: their account is made on
// first login, and their roles follow their groups at every login.
import type { AuthProvider, UserSource } from '../store/records.ts';
import type { RoleStore } from '../store/roles.ts';
import type { UserStore } from '../store/users.ts';
import type { Authenticator, ClientContext, LoggedIn } from './authenticator.ts';
import { AuthError } from './errors.ts';
import { mapGroupsToRoles } from './ldap.ts';

export interface ExternalIdentity {
  /** Stable id at the provider: the LDAP DN or the OIDC subject. */
  externalId: string;
  username: string;
  displayName?: string;
  email?: string;
  groups: string[];
}

export async function signInExternal(
  stores: { users: UserStore; roles: RoleStore; authenticator: Authenticator },
  provider: AuthProvider,
  identity: ExternalIdentity,
  client: ClientContext,
): Promise<LoggedIn> {
  const roleIds = await rolesFor(stores.roles, mapGroupsToRoles(identity.groups, provider.groupRoles));
  if (roleIds.length === 0) {
    const groups = identity.groups.length > 0 ? identity.groups.join(', ') : 'none';
    throw new AuthError(
      403,
      'NO_ROLE_MAPPED',
      `Your groups (${groups}) give no access to Windflow; ask an admin to map one to a role`,
    );
  }
  const source: UserSource = provider.kind === 'ldap' ? 'ldap' : `oidc:${provider.slug}`;
  let user = await stores.users.findExternal(source, identity.externalId);
  if (!user) {
    const taken = await stores.users.credentials(identity.username);
    if (taken) {
      throw new AuthError(
        409,
        'USERNAME_CONFLICT',
        `A different account is already called "${identity.username}"`,
      );
    }
    user = await stores.users.create({
      username: identity.username,
      displayName: identity.displayName,
      email: identity.email,
      source,
      externalId: identity.externalId,
    });
  }
  await stores.roles.setBindings(
    user.id,
    'provider',
    roleIds.map((roleId) => ({ roleId, environmentId: null })),
  );
  return stores.authenticator.loginVerifiedUser(user, client);
}

async function rolesFor(roles: RoleStore, names: string[]): Promise<number[]> {
  const found = await Promise.all(names.map((name) => roles.findByName(name)));
  return found.flatMap((role) => (role ? [role.id] : []));
}
