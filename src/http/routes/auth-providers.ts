// Login through LDAP and OIDC/OAuth2 providers, and their configuration by admins.
import { Elysia, t } from 'elysia';
import type { Authenticator, ClientContext } from '../../auth/authenticator.ts';
import { AuthError } from '../../auth/errors.ts';
import { signInExternal } from '../../auth/external-login.ts';
import {
  authenticateWithLdap,
  LdapInvalidCredentialsError,
  type LdapSettings,
  LdapUnavailableError,
  testLdapConnection,
} from '../../auth/ldap.ts';
import {
  OAuthLoginError,
  OAuthLogins,
  type OAuthProviderSettings,
  PENDING_LOGIN_LIFETIME_MS,
  type PendingOAuthLogin,
} from '../../auth/oidc.ts';
import type { Logger } from '../../daemon/logger.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { AuthProviderStore } from '../../store/auth-providers.ts';
import type { AuthProvider } from '../../store/records.ts';
import type { RoleStore } from '../../store/roles.ts';
import type { SessionLifetimes } from '../../store/sessions.ts';
import type { UserStore } from '../../store/users.ts';
import type { AccessControl } from '../access.ts';
import { recordLogin } from '../audit-trail.ts';
import { clientContext, isHttps, publicPath, publicUrl } from '../client-context.ts';
import { HttpError } from '../errors.ts';
import { setSessionCookies } from './auth.ts';

export interface AuthProviderRouteDeps {
  access: AccessControl;
  authenticator: Authenticator;
  authProviders: AuthProviderStore;
  users: UserStore;
  roles: RoleStore;
  audit: AuditLog;
  logger: Logger;
  sessionLifetimes: SessionLifetimes;
}

const OAUTH_COOKIE = 'windflow_oauth';
const SlugParams = t.Object({ slug: t.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }) });

const LdapSettingsBody = t.Object({
  url: t.String({ pattern: '^ldaps?://', error: 'the URL starts with ldap:// or ldaps://' }),
  startTls: t.Optional(t.Boolean()),
  tlsCa: t.Optional(t.String({ maxLength: 32_768, description: 'PEM of the CA to trust' })),
  bindDn: t.String({ minLength: 1 }),
  userBaseDn: t.String({ minLength: 1 }),
  userFilter: t.Optional(
    t.String({ pattern: '\\{username\\}', error: 'the user filter must contain {username}' }),
  ),
  usernameAttribute: t.Optional(t.String()),
  displayNameAttribute: t.Optional(t.String()),
  emailAttribute: t.Optional(t.String()),
  groupBaseDn: t.Optional(t.String({ description: "'' reads the user's memberOf (Active Directory)" })),
  groupFilter: t.Optional(t.String()),
  groupNameAttribute: t.Optional(t.String()),
});

const OAuthSettingsBody = t.Object({
  issuerUrl: t.Optional(t.String({ pattern: '^https?://' })),
  authorizationUrl: t.Optional(t.String({ pattern: '^https?://' })),
  tokenUrl: t.Optional(t.String({ pattern: '^https?://' })),
  userInfoUrl: t.Optional(t.String({ pattern: '^https?://' })),
  clientId: t.String({ minLength: 1 }),
  scopes: t.Optional(t.Array(t.String())),
  usernameClaim: t.Optional(t.String()),
  groupsClaim: t.Optional(t.String()),
  allowInsecureHttp: t.Optional(
    t.Boolean({ description: 'plain-HTTP provider: tests and development only' }),
  ),
});

const common = {
  slug: t.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,31}$',
    error: 'the id is lower-case letters, digits and dashes',
  }),
  name: t.String({ minLength: 1, maxLength: 64 }),
  enabled: t.Optional(t.Boolean()),
  secret: t.Optional(
    t.String({ maxLength: 4096, description: 'LDAP bind password or OAuth client secret; never returned' }),
  ),
  groupRoles: t.Optional(t.Record(t.String(), t.String(), { description: 'group name -> role name' })),
};

const ProviderBody = t.Union([
  t.Object({ ...common, kind: t.Literal('ldap'), settings: LdapSettingsBody }),
  t.Object({
    ...common,
    kind: t.Union([t.Literal('oidc'), t.Literal('oauth2')]),
    settings: OAuthSettingsBody,
  }),
]);

export function ldapSettingsOf(provider: AuthProvider, bindPassword: string): LdapSettings {
  const s = provider.settings as Record<string, string | boolean | undefined>;
  return {
    url: String(s.url),
    startTls: Boolean(s.startTls),
    tls: { ca: (s.tlsCa as string | undefined) || undefined, rejectUnauthorized: true },
    bindDn: String(s.bindDn),
    bindPassword,
    userBaseDn: String(s.userBaseDn),
    userFilter: String(s.userFilter || '(&(objectClass=inetOrgPerson)(uid={username}))'),
    usernameAttribute: String(s.usernameAttribute || 'uid'),
    displayNameAttribute: String(s.displayNameAttribute || 'cn'),
    emailAttribute: String(s.emailAttribute || 'mail'),
    groupBaseDn: String(s.groupBaseDn ?? ''),
    groupFilter: String(s.groupFilter || '(&(objectClass=groupOfNames)(member={dn}))'),
    groupNameAttribute: String(s.groupNameAttribute || 'cn'),
    timeoutMs: 10_000,
  };
}

export function oauthSettingsOf(provider: AuthProvider, clientSecret: string): OAuthProviderSettings {
  const s = provider.settings as Record<string, unknown>;
  return {
    id: provider.slug,
    name: provider.name,
    kind: provider.kind === 'oauth2' ? 'oauth2' : 'oidc',
    issuerUrl: s.issuerUrl as string | undefined,
    authorizationUrl: s.authorizationUrl as string | undefined,
    tokenUrl: s.tokenUrl as string | undefined,
    userInfoUrl: s.userInfoUrl as string | undefined,
    clientId: String(s.clientId),
    clientSecret,
    scopes: (s.scopes as string[] | undefined) ?? [],
    usernameClaim: String(s.usernameClaim || (provider.kind === 'oauth2' ? 'login' : 'preferred_username')),
    groupsClaim: String(s.groupsClaim || 'groups'),
    allowInsecureHttp: Boolean(s.allowInsecureHttp),
  };
}

/** Where the provider sends the browser back; behind a TLS proxy the scheme comes from it. */
function callbackUrl(request: Request, slug: string): string {
  return publicUrl(request, `/api/auth/oauth/${slug}/callback`);
}

export function authProviderRoutes(deps: AuthProviderRouteDeps) {
  const { access, authProviders } = deps;
  const oauth = new OAuthLogins();
  const pendingLogins = new Map<string, PendingOAuthLogin>();

  const enabledProvider = async (slug: string, kinds: AuthProvider['kind'][]) => {
    const found = await authProviders.withSecret(slug);
    if (!found?.provider.enabled || !kinds.includes(found.provider.kind)) {
      throw new HttpError(404, 'PROVIDER_NOT_FOUND', `No login provider "${slug}"`);
    }
    return found;
  };

  const forgetExpiredLogins = () => {
    for (const [state, pending] of pendingLogins) {
      if (Date.now() - pending.createdAt > PENDING_LOGIN_LIFETIME_MS) pendingLogins.delete(state);
    }
  };

  const signIn = (
    provider: AuthProvider,
    identity: Parameters<typeof signInExternal>[2],
    client: ClientContext,
  ) => signInExternal(deps, provider, identity, client);

  return new Elysia()
    .use(access)
    .get(
      '/api/auth/providers',
      async () =>
        (await authProviders.list())
          .filter((provider) => provider.enabled)
          .map(({ slug, kind, name }) => ({ slug, kind, name })),
      {
        access: 'public',
        detail: { summary: 'The login providers to offer on the login page', tags: ['auth'] },
      },
    )
    .post(
      '/api/auth/ldap/:slug/login',
      async ({ params, body, request, server, cookie }) => {
        const { provider, secret } = await enabledProvider(params.slug, ['ldap']);
        const client = clientContext(request, server);
        deps.authenticator.assertAddressAllowed(client);
        try {
          const identity = await authenticateWithLdap(
            ldapSettingsOf(provider, secret),
            body.username,
            body.password,
          );
          const loggedIn = await signIn(provider, { ...identity, externalId: identity.dn }, client);
          setSessionCookies(cookie as never, request, loggedIn, deps.sessionLifetimes);
          await recordLogin(
            deps,
            { request, server },
            loggedIn.user.username,
            'success',
            `ldap ${provider.slug}`,
          );
          return { mfaRequired: loggedIn.session.mfaPending };
        } catch (error) {
          const refusal = ldapRefusal(error);
          if (error instanceof LdapInvalidCredentialsError) deps.authenticator.recordAddressFailure(client);
          await recordLogin(
            deps,
            { request, server },
            body.username,
            'failure',
            `ldap ${provider.slug}: ${refusal instanceof AuthError ? refusal.code : refusal.message}`,
          );
          throw refusal;
        }
      },
      {
        access: 'public',
        params: SlugParams,
        body: t.Object({
          username: t.String({ minLength: 1, maxLength: 256 }),
          password: t.String({ maxLength: 256 }),
        }),
        detail: { summary: 'Log in with a directory account', tags: ['auth'] },
      },
    )
    .get(
      '/api/auth/oauth/:slug/start',
      async ({ params, request, cookie, redirect }) => {
        const { provider, secret } = await enabledProvider(params.slug, ['oidc', 'oauth2']);
        forgetExpiredLogins();
        const { authorizationUrl, pending } = await oauth.begin(
          oauthSettingsOf(provider, secret),
          callbackUrl(request, params.slug),
        );
        pendingLogins.set(pending.state, pending);
        (cookie as never as Record<string, { set(o: Record<string, unknown>): void }>)[OAUTH_COOKIE]?.set({
          value: pending.state,
          httpOnly: true,
          sameSite: 'lax',
          secure: isHttps(request),
          path: publicPath(request, '/api/auth/oauth'),
          maxAge: PENDING_LOGIN_LIFETIME_MS / 1000,
        });
        return redirect(authorizationUrl.href, 302);
      },
      {
        access: 'public',
        params: SlugParams,
        detail: { summary: 'Start a login at an OIDC/OAuth2 provider', tags: ['auth'] },
      },
    )
    .get(
      '/api/auth/oauth/:slug/callback',
      async ({ params, request, server, cookie, redirect }) => {
        const state = String((cookie as Record<string, { value?: unknown }>)[OAUTH_COOKIE]?.value ?? '');
        const pending = pendingLogins.get(state);
        pendingLogins.delete(state);
        let username = '';
        try {
          const { provider, secret } = await enabledProvider(params.slug, ['oidc', 'oauth2']);
          if (!pending)
            throw new OAuthLoginError('STATE_MISMATCH', 'this login was not started here, or took too long');
          const identity = await oauth.complete(
            oauthSettingsOf(provider, secret),
            pending,
            new URL(request.url),
          );
          username = identity.username;
          const loggedIn = await signIn(
            provider,
            { ...identity, externalId: identity.subject },
            clientContext(request, server),
          );
          setSessionCookies(cookie as never, request, loggedIn, deps.sessionLifetimes);
          await recordLogin(deps, { request, server }, username, 'success', `oauth ${provider.slug}`);
          return redirect(publicPath(request, '/'), 302);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await recordLogin(
            deps,
            { request, server },
            username,
            'failure',
            `oauth ${params.slug}: ${message}`,
          );
          return redirect(publicPath(request, `/login?error=${encodeURIComponent(message)}`), 302);
        }
      },
      {
        access: 'public',
        params: SlugParams,
        detail: { summary: 'Where the provider sends the browser back', tags: ['auth'] },
      },
    )
    .get('/api/settings/auth-providers', () => authProviders.list(), {
      access: 'settings:read',
      detail: { summary: 'Login providers (secrets are never returned)', tags: ['settings'] },
    })
    .post(
      '/api/settings/auth-providers',
      async ({ body, set }) => {
        set.status = 201;
        return authProviders.create(body);
      },
      {
        access: 'settings:manage',
        body: ProviderBody,
        detail: { summary: 'Add a login provider', tags: ['settings'] },
      },
    )
    .patch(
      '/api/settings/auth-providers/:slug',
      async ({ params, body }) => {
        const updated = await authProviders.update(params.slug, body);
        if (!updated) throw new HttpError(404, 'PROVIDER_NOT_FOUND', `No login provider "${params.slug}"`);
        return updated;
      },
      {
        access: 'settings:manage',
        params: SlugParams,
        body: t.Object(
          {
            name: t.Optional(common.name),
            enabled: common.enabled,
            secret: common.secret,
            groupRoles: common.groupRoles,
            settings: t.Optional(t.Union([LdapSettingsBody, OAuthSettingsBody])),
          },
          { minProperties: 1 },
        ),
        detail: { summary: 'Change a login provider', tags: ['settings'] },
      },
    )
    .delete(
      '/api/settings/auth-providers/:slug',
      async ({ params, set }) => {
        if (!(await authProviders.remove(params.slug)))
          throw new HttpError(404, 'PROVIDER_NOT_FOUND', `No login provider "${params.slug}"`);
        set.status = 204;
      },
      {
        access: 'settings:manage',
        params: SlugParams,
        detail: { summary: 'Remove a login provider', tags: ['settings'] },
      },
    )
    .post(
      '/api/settings/auth-providers/:slug/test',
      async ({ params, request }) => {
        const found = await authProviders.withSecret(params.slug);
        if (!found) throw new HttpError(404, 'PROVIDER_NOT_FOUND', `No login provider "${params.slug}"`);
        try {
          if (found.provider.kind === 'ldap') {
            const { usersFound } = await testLdapConnection(ldapSettingsOf(found.provider, found.secret));
            return { ok: true, detail: `connected; the user search finds ${usersFound} users` };
          }
          await oauth.begin(oauthSettingsOf(found.provider, found.secret), callbackUrl(request, params.slug));
          return { ok: true, detail: 'the provider answered its discovery' };
        } catch (error) {
          return { ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      },
      {
        access: 'settings:manage',
        params: SlugParams,
        response: t.Object({ ok: t.Boolean(), detail: t.String() }),
        detail: { summary: 'Check that a login provider answers', tags: ['settings'] },
      },
    );
}

function ldapRefusal(error: unknown): Error {
  if (error instanceof AuthError) return error;
  if (error instanceof LdapInvalidCredentialsError)
    return new AuthError(401, 'INVALID_CREDENTIALS', 'Wrong user name or password');
  if (error instanceof LdapUnavailableError)
    return new AuthError(502, 'DIRECTORY_UNAVAILABLE', error.message);
  return error instanceof Error ? error : new Error(String(error));
}
