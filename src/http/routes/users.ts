// Admin management of accounts and roles: who exists, what they may do and where.
import { Elysia, t } from 'elysia';
import type { Authenticator } from '../../auth/authenticator.ts';
import { hashPassword, passwordProblem } from '../../auth/passwords.ts';
import { ALL_PERMISSIONS, type Grant, isGrant } from '../../auth/permissions.ts';
import type { ApiTokenStore } from '../../store/api-tokens.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { ManagedUser, User } from '../../store/records.ts';
import type { RoleStore } from '../../store/roles.ts';
import type { SessionStore } from '../../store/sessions.ts';
import type { UserStore } from '../../store/users.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { UsernameSchema } from './auth.ts';

export interface UserRouteDeps {
  access: AccessControl;
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  environments: EnvironmentStore;
  authenticator: Authenticator;
}

const UserIdParams = t.Object({ userId: t.Integer({ minimum: 1 }) });
const RoleIdParams = t.Object({ roleId: t.Integer({ minimum: 1 }) });
const Bindings = t.Array(
  t.Object({
    role: t.String({ minLength: 1 }),
    environmentId: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
  }),
  { description: 'roles by name, on every environment (environmentId null or absent) or on one' },
);
const RoleFields = {
  description: t.String({ maxLength: 256 }),
  grants: t.Array(t.String(), { description: "permissions (kind:action), kind:* or '*'" }),
};

export function userRoutes(deps: UserRouteDeps) {
  const { access, users, roles, sessions, tokens, environments, authenticator } = deps;
  /** With whether failed logins make this account's logins wait now. */
  const managed = (user: User): ManagedUser => {
    const waitMs = authenticator.accountWaitMs(user.username);
    return { ...user, loginDelayedUntil: waitMs > 0 ? new Date(Date.now() + waitMs).toISOString() : null };
  };
  /** A reset password or a disabled account leaves no way in that was handed out before. */
  const endCredentials = async (userId: number) => {
    await sessions.removeAllOf(userId);
    await tokens.revokeAllOf(userId);
  };

  const requireUser = async (id: number) => {
    const user = await users.get(id);
    if (!user) throw new HttpError(404, 'USER_NOT_FOUND', `No user with id ${id}`);
    return user;
  };

  /** Role names and environment ids checked before anything is written. */
  const resolveBindings = async (bindings: { role: string; environmentId?: number | null }[]) => {
    const resolved = [];
    for (const binding of bindings) {
      const role = await roles.findByName(binding.role);
      if (!role) throw new HttpError(400, 'UNKNOWN_ROLE', `No role named "${binding.role}"`);
      const environmentId = binding.environmentId ?? null;
      if (environmentId !== null && !(await environments.get(environmentId))) {
        throw new HttpError(400, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${environmentId}`);
      }
      resolved.push({ roleId: role.id, environmentId });
    }
    return resolved;
  };

  const checkGrants = (grants: string[]): Grant[] => {
    const unknown = grants.filter((grant) => !isGrant(grant));
    if (unknown.length > 0)
      throw new HttpError(400, 'UNKNOWN_PERMISSION', `Unknown permissions: ${unknown.join(', ')}`);
    return grants as Grant[];
  };

  const notYourself = (principalId: number | undefined, userId: number, what: string) => {
    if (principalId === userId)
      throw new HttpError(400, 'NOT_ON_YOURSELF', `You cannot ${what} your own account`);
  };

  return new Elysia()
    .use(access)
    .get('/api/permissions', () => ALL_PERMISSIONS, {
      access: 'authenticated',
      detail: { summary: 'Every permission a role can grant', tags: ['roles'] },
    })
    .get('/api/users', async () => (await users.list()).map(managed), {
      access: 'users:read',
      detail: { summary: 'List users', tags: ['users'] },
    })
    .get(
      '/api/users/:userId',
      async ({ params }) => ({
        ...managed(await requireUser(params.userId)),
        roles: await roles.bindingsOf(params.userId),
      }),
      {
        access: 'users:read',
        params: UserIdParams,
        detail: { summary: 'One user with their roles', tags: ['users'] },
      },
    )
    .post(
      '/api/users',
      async ({ body, set }) => {
        const problem = passwordProblem(body.password, body.username);
        if (problem) throw new HttpError(400, 'WEAK_PASSWORD', problem);
        const bindings = await resolveBindings(body.roles);
        const user = await users.create({
          username: body.username,
          displayName: body.displayName,
          email: body.email,
          passwordHash: await hashPassword(body.password),
        });
        await roles.setBindings(user.id, 'manual', bindings);
        set.status = 201;
        return { ...user, roles: await roles.bindingsOf(user.id) };
      },
      {
        access: 'users:manage',
        body: t.Object({
          username: UsernameSchema,
          password: t.String({ maxLength: 256 }),
          displayName: t.Optional(t.String({ maxLength: 128 })),
          email: t.Optional(t.String({ maxLength: 256 })),
          roles: Bindings,
        }),
        detail: { summary: 'Create a local user', tags: ['users'] },
      },
    )
    .patch(
      '/api/users/:userId',
      async ({ params, body, principal }) => {
        await requireUser(params.userId);
        if (body.disabled) {
          notYourself(principal?.userId, params.userId, 'disable');
          await endCredentials(params.userId);
        }
        return users.update(params.userId, body);
      },
      {
        access: 'users:manage',
        params: UserIdParams,
        body: t.Object({
          displayName: t.Optional(t.String({ maxLength: 128 })),
          email: t.Optional(t.String({ maxLength: 256 })),
          disabled: t.Optional(t.Boolean()),
        }),
        detail: {
          summary: 'Change, disable or enable a user (disabling ends their sessions and API tokens)',
          tags: ['users'],
        },
      },
    )
    .post(
      '/api/users/:userId/password',
      async ({ params, body, set }) => {
        const user = await requireUser(params.userId);
        if (user.source !== 'local')
          throw new HttpError(400, 'NOT_LOCAL_ACCOUNT', 'This account logs in through a directory');
        const problem = passwordProblem(body.password, user.username);
        if (problem) throw new HttpError(400, 'WEAK_PASSWORD', problem);
        await users.setPasswordHash(user.id, await hashPassword(body.password));
        await endCredentials(user.id);
        set.status = 204;
      },
      {
        access: 'users:manage',
        params: UserIdParams,
        body: t.Object({ password: t.String({ maxLength: 256 }) }),
        detail: {
          summary: "Reset a user's password (ends their sessions and API tokens)",
          tags: ['users'],
        },
      },
    )
    .post(
      '/api/users/:userId/unlock',
      async ({ params, set }) => {
        authenticator.unlock((await requireUser(params.userId)).username);
        set.status = 204;
      },
      {
        access: 'users:manage',
        params: UserIdParams,
        detail: { summary: 'Lift the wait that failed logins put on a user', tags: ['users'] },
      },
    )
    .put(
      '/api/users/:userId/roles',
      async ({ params, body }) => {
        await requireUser(params.userId);
        await roles.setBindings(params.userId, 'manual', await resolveBindings(body));
        return roles.bindingsOf(params.userId);
      },
      {
        access: 'users:manage',
        params: UserIdParams,
        body: Bindings,
        detail: { summary: "Replace a user's roles", tags: ['users'] },
      },
    )
    .delete(
      '/api/users/:userId/mfa',
      async ({ params, set }) => {
        await requireUser(params.userId);
        await users.setMfaSecret(params.userId, null, false);
        set.status = 204;
      },
      {
        access: 'users:manage',
        params: UserIdParams,
        detail: { summary: "Reset a user's second factor", tags: ['users'] },
      },
    )
    .delete(
      '/api/users/:userId',
      async ({ params, principal, set }) => {
        notYourself(principal?.userId, params.userId, 'delete');
        if (!(await users.remove(params.userId)))
          throw new HttpError(404, 'USER_NOT_FOUND', `No user with id ${params.userId}`);
        set.status = 204;
      },
      { access: 'users:manage', params: UserIdParams, detail: { summary: 'Delete a user', tags: ['users'] } },
    )
    .get('/api/roles', () => roles.list(), {
      access: 'roles:read',
      detail: { summary: 'List roles', tags: ['roles'] },
    })
    .post(
      '/api/roles',
      async ({ body, set }) => {
        const role = await roles.create({
          name: body.name,
          description: body.description,
          grants: checkGrants(body.grants),
        });
        set.status = 201;
        return role;
      },
      {
        access: 'roles:manage',
        body: t.Object({ name: t.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' }), ...RoleFields }),
        detail: { summary: 'Create a custom role', tags: ['roles'] },
      },
    )
    .patch(
      '/api/roles/:roleId',
      async ({ params, body }) => {
        const role = await roles.get(params.roleId);
        if (!role) throw new HttpError(404, 'ROLE_NOT_FOUND', `No role with id ${params.roleId}`);
        if (role.builtin)
          throw new HttpError(409, 'BUILTIN_ROLE', 'Built-in roles cannot be changed; make a custom one');
        return roles.update(params.roleId, {
          description: body.description,
          grants: body.grants && checkGrants(body.grants),
        });
      },
      {
        access: 'roles:manage',
        params: RoleIdParams,
        body: t.Partial(t.Object(RoleFields)),
        detail: { summary: 'Change a custom role', tags: ['roles'] },
      },
    )
    .delete(
      '/api/roles/:roleId',
      async ({ params, set }) => {
        const role = await roles.get(params.roleId);
        if (!role) throw new HttpError(404, 'ROLE_NOT_FOUND', `No role with id ${params.roleId}`);
        if (role.builtin) throw new HttpError(409, 'BUILTIN_ROLE', 'Built-in roles cannot be removed');
        await roles.remove(params.roleId);
        set.status = 204;
      },
      {
        access: 'roles:manage',
        params: RoleIdParams,
        detail: { summary: 'Remove a custom role', tags: ['roles'] },
      },
    );
}
