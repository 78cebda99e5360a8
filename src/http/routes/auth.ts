// Login, logout, the first admin, the MFA step, and what a logged-in person manages about
// themselves: password, second factor, sessions and API tokens.
import { Elysia, t } from 'elysia';
import type { Authenticator, LoggedIn } from '../../auth/authenticator.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../auth/authenticator.ts';
import { AuthError } from '../../auth/errors.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/passwords.ts';
import { grantIncludes, isTokenGrant, type TokenGrant } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { newRecoveryCodes, newTotpSecret, totpEnrolment } from '../../auth/totp.ts';
import type { Logger } from '../../daemon/logger.ts';
import type { ApiTokenStore } from '../../store/api-tokens.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { Me, SessionView, User } from '../../store/records.ts';
import type { RecoveryCodeStore } from '../../store/recovery-codes.ts';
import type { RoleStore } from '../../store/roles.ts';
import type { SecretBox } from '../../store/secret-box.ts';
import type { SessionLifetimes, SessionStore } from '../../store/sessions.ts';
import type { UserStore } from '../../store/users.ts';
import type { AccessControl } from '../access.ts';
import { recordLogin } from '../audit-trail.ts';
import { clientContext, isHttps, publicPath } from '../client-context.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';

export interface AuthRouteDeps {
  access: AccessControl;
  authenticator: Authenticator;
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  sessionLifetimes: SessionLifetimes;
  tokens: ApiTokenStore;
  recoveryCodes: RecoveryCodeStore;
  secrets: SecretBox;
  audit: AuditLog;
  logger: Logger;
}

const tags = ['auth'];

type CookieJar = Record<string, { set(options: Record<string, unknown>): void; remove(): void }>;

/** The HttpOnly session cookie and the script-readable CSRF cookie the UI echoes in a header. */
export function setSessionCookies(
  cookie: CookieJar,
  request: Request,
  loggedIn: LoggedIn,
  lifetimes: SessionLifetimes,
): void {
  const common = {
    path: publicPath(request, '/'),
    sameSite: 'lax',
    secure: isHttps(request),
    maxAge: lifetimes.absoluteMs / 1000,
  };
  cookie[SESSION_COOKIE]?.set({ ...common, value: loggedIn.token, httpOnly: true });
  cookie[CSRF_COOKIE]?.set({ ...common, value: loggedIn.session.csrfToken, httpOnly: false });
}

/** Both cookies expire now, on the path they were set on (a removal elsewhere would not count). */
function clearSessionCookies(cookie: CookieJar, request: Request): void {
  for (const name of [SESSION_COOKIE, CSRF_COOKIE]) {
    cookie[name]?.set({ value: '', path: publicPath(request, '/'), maxAge: 0, expires: new Date(0) });
  }
}
const Credentials = t.Object({
  username: t.String({ minLength: 1, maxLength: 64 }),
  password: t.String({ minLength: 1, maxLength: 256 }),
});
export const UsernameSchema = t.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$',
  error:
    'a user name is 1-64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit',
});
const TokenIdParams = t.Object({ tokenId: t.Integer({ minimum: 1 }) });
const SessionIdParams = t.Object({ sessionId: t.String({ pattern: '^[0-9a-f]{64}$' }) });

export function authRoutes(deps: AuthRouteDeps) {
  const { access, authenticator, users, roles, sessions, tokens } = deps;

  /** The person as the UI sees them, with the CSRF token their session needs. */
  const describeMe = async (user: User, csrfToken: string): Promise<Me> => ({
    user,
    roles: await roles.bindingsOf(user.id),
    csrfToken,
  });

  const sessionCookies = (cookie: unknown, request: Request, loggedIn: LoggedIn) =>
    setSessionCookies(cookie as CookieJar, request, loggedIn, deps.sessionLifetimes);

  const requireUser = async (principal: Principal | undefined): Promise<User> => {
    const user = principal && (await users.get(principal.userId));
    if (!user) throw new HttpError(401, 'UNAUTHENTICATED', 'Log in first');
    return user;
  };

  return new Elysia({ prefix: '/api/auth' })
    .use(access)
    .get(
      '/status',
      async ({ principal }) => ({
        setupRequired: await authenticator.setupRequired(),
        username: principal?.username ?? null,
      }),
      {
        access: 'public',
        response: t.Object({ setupRequired: t.Boolean(), username: t.Union([t.String(), t.Null()]) }),
        detail: { summary: 'Whether the first admin exists and who is logged in', tags },
      },
    )
    .post(
      '/setup',
      async ({ body, request, server, cookie, set }) => {
        const loggedIn = await authenticator.setUpFirstAdmin(
          body.username,
          body.password,
          clientContext(request, server),
        );
        sessionCookies(cookie, request, loggedIn);
        await recordLogin(deps, { request, server }, body.username, 'success', 'first admin created');
        set.status = 201;
        return describeMe(loggedIn.user, loggedIn.session.csrfToken);
      },
      {
        access: 'public',
        body: t.Object({ username: UsernameSchema, password: t.String({ maxLength: 256 }) }),
        detail: { summary: 'Create the first admin (only while there are no users)', tags },
      },
    )
    .post(
      '/login',
      async ({ body, request, server, cookie }) => {
        let loggedIn: LoggedIn;
        try {
          loggedIn = await authenticator.loginWithPassword(
            body.username,
            body.password,
            clientContext(request, server),
          );
        } catch (error) {
          if (error instanceof AuthError)
            await recordLogin(deps, { request, server }, body.username, 'failure', error.code);
          throw error;
        }
        sessionCookies(cookie, request, loggedIn);
        await recordLogin(
          deps,
          { request, server },
          body.username,
          'success',
          loggedIn.session.mfaPending ? 'password; MFA pending' : 'password',
        );
        return loggedIn.session.mfaPending
          ? { mfaRequired: true }
          : { mfaRequired: false, ...(await describeMe(loggedIn.user, loggedIn.session.csrfToken)) };
      },
      {
        access: 'public',
        body: Credentials,
        detail: { summary: 'Log in with a user name and password', tags },
      },
    )
    .post(
      '/mfa',
      async ({ body, request, server, cookie }) => {
        const token = String(cookie[SESSION_COOKIE]?.value ?? '');
        let session: Awaited<ReturnType<Authenticator['completeMfa']>>;
        try {
          session = await authenticator.completeMfa(token, body.code, clientContext(request, server));
        } catch (error) {
          if (error instanceof AuthError)
            await recordLogin(deps, { request, server }, '', 'failure', `mfa: ${error.code}`);
          throw error;
        }
        const user = await requireUser({ userId: session.userId } as Principal);
        await recordLogin(deps, { request, server }, user.username, 'success', 'second factor');
        return describeMe(user, session.csrfToken);
      },
      {
        access: 'public',
        body: t.Object({ code: t.String({ minLength: 6, maxLength: 16 }) }),
        detail: { summary: 'The second login step: a TOTP or recovery code', tags },
      },
    )
    .post(
      '/logout',
      async ({ principal, cookie, request, set }) => {
        if (principal?.sessionId) await sessions.remove(principal.sessionId);
        clearSessionCookies(cookie as CookieJar, request);
        set.status = 204;
      },
      { access: 'authenticated', detail: { summary: 'End this session', tags } },
    )
    .get(
      '/me',
      async ({ principal }) => {
        const user = await requireUser(principal);
        const session = principal?.sessionId
          ? (await sessions.listOf(user.id)).find((s) => s.id === principal.sessionId)
          : undefined;
        return describeMe(user, session?.csrfToken ?? '');
      },
      { access: 'authenticated', detail: { summary: 'Who is logged in, their roles and CSRF token', tags } },
    )
    .post(
      '/password',
      async ({ principal, body, set }) => {
        const user = await requireUser(principal);
        const credentials = await users.credentialsById(user.id);
        if (user.source !== 'local' || !credentials?.passwordHash) {
          throw new HttpError(
            400,
            'NOT_LOCAL_ACCOUNT',
            'This account logs in through a directory; change the password there',
          );
        }
        if (!(await verifyPassword(body.currentPassword, credentials.passwordHash))) {
          throw new HttpError(400, 'WRONG_PASSWORD', 'The current password is not right');
        }
        const problem = passwordProblem(body.newPassword, user.username);
        if (problem) throw new HttpError(400, 'WEAK_PASSWORD', problem);
        await users.setPasswordHash(user.id, await hashPassword(body.newPassword));
        set.status = 204;
      },
      {
        access: 'account',
        body: t.Object({
          currentPassword: t.String({ maxLength: 256 }),
          newPassword: t.String({ maxLength: 256 }),
        }),
        detail: { summary: 'Change your password', tags },
      },
    )
    .get(
      '/sessions',
      async ({ principal }) => {
        const user = await requireUser(principal);
        return (await sessions.listOf(user.id)).map(
          ({ csrfToken: _hidden, ...session }): SessionView => ({
            ...session,
            current: session.id === principal?.sessionId,
          }),
        );
      },
      { access: 'account', detail: { summary: 'Your active sessions', tags } },
    )
    .delete(
      '/sessions/:sessionId',
      async ({ principal, params, set }) => {
        const user = await requireUser(principal);
        if (!(await sessions.remove(params.sessionId, user.id))) {
          throw new HttpError(404, 'SESSION_NOT_FOUND', 'No such session of yours');
        }
        set.status = 204;
      },
      {
        access: 'account',
        params: SessionIdParams,
        detail: { summary: 'End one of your sessions', tags },
      },
    )
    .post(
      '/logout-everywhere',
      async ({ principal, cookie, request }) => {
        const user = await requireUser(principal);
        const ended = await sessions.removeAllOf(user.id);
        clearSessionCookies(cookie as CookieJar, request);
        return { ended };
      },
      {
        access: 'account',
        response: t.Object({ ended: t.Integer() }),
        detail: { summary: 'End all your sessions', tags },
      },
    )
    .post(
      '/mfa/enrolment',
      async ({ principal }) => {
        const user = await requireUser(principal);
        if (user.mfaEnabled)
          throw new HttpError(
            409,
            'MFA_ALREADY_ENABLED',
            'Turn the second factor off before enrolling again',
          );
        const secret = newTotpSecret();
        await users.setMfaSecret(user.id, deps.secrets.encrypt(secret), false);
        return totpEnrolment(secret, user.username);
      },
      {
        access: 'account',
        response: t.Object({ secret: t.String(), uri: t.String(), qrSvg: t.String() }),
        detail: { summary: 'Start TOTP enrolment: a QR code and the manual key', tags },
      },
    )
    .post(
      '/mfa/activation',
      async ({ principal, body }) => {
        const user = await requireUser(principal);
        const credentials = await users.credentialsById(user.id);
        if (user.mfaEnabled || !credentials?.mfaSecret) {
          throw new HttpError(409, 'NO_MFA_ENROLMENT', 'Start an enrolment first');
        }
        if (!(await authenticator.codeIsValid(user.id, body.code))) {
          throw new HttpError(
            400,
            'INVALID_MFA_CODE',
            'That code is not valid; check the clock of your device',
          );
        }
        await users.setMfaSecret(user.id, credentials.mfaSecret, true);
        const recoveryCodes = newRecoveryCodes();
        await deps.recoveryCodes.replace(user.id, recoveryCodes);
        return { recoveryCodes };
      },
      {
        access: 'account',
        body: t.Object({ code: t.String({ pattern: '^\\d{6}$', error: 'the code is 6 digits' }) }),
        response: t.Object({ recoveryCodes: t.Array(t.String()) }),
        detail: { summary: 'Confirm TOTP enrolment with a code; returns ten recovery codes, once', tags },
      },
    )
    .delete(
      '/mfa',
      async ({ principal, body, set }) => {
        const user = await requireUser(principal);
        if (!user.mfaEnabled) throw new HttpError(409, 'MFA_NOT_ENABLED', 'The second factor is not on');
        if (!(await authenticator.codeIsValid(user.id, body.code))) {
          throw new HttpError(400, 'INVALID_MFA_CODE', 'That code is not valid');
        }
        await users.setMfaSecret(user.id, null, false);
        await deps.recoveryCodes.replace(user.id, []);
        set.status = 204;
      },
      {
        access: 'account',
        body: t.Object({ code: t.String({ minLength: 6, maxLength: 16 }) }),
        detail: { summary: 'Turn your second factor off (needs a current code)', tags },
      },
    )
    .get('/tokens', async ({ principal }) => tokens.listOf((await requireUser(principal)).id), {
      access: 'account',
      detail: { summary: 'Your API tokens (never their secrets)', tags },
    })
    .post(
      '/tokens',
      async ({ principal, body, set }) => {
        const user = await requireUser(principal);
        const unknown = body.scope.filter((grant) => !isTokenGrant(grant));
        if (unknown.length > 0)
          throw new HttpError(400, 'UNKNOWN_PERMISSION', `Unknown permissions: ${unknown.join(', ')}`);
        const scope = body.scope as TokenGrant[];
        const held = principal?.tokenScope;
        const wider = held
          ? scope.filter((wanted) => !held.some((grant) => grantIncludes(grant, wanted)))
          : [];
        if (wider.length > 0) {
          throw new HttpError(
            403,
            'SCOPE_EXCEEDS_TOKEN',
            `A token can only create tokens within its own scope; it lacks ${wider.join(', ')}`,
          );
        }
        const expiresAt = body.expiresInDays
          ? new Date(Date.now() + body.expiresInDays * 86_400_000).toISOString()
          : null;
        const created = await tokens.create(user.id, {
          name: body.name,
          scope,
          expiresAt,
        });
        set.status = 201;
        return { ...created.token, secret: created.secret };
      },
      {
        access: 'account',
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 64 }),
          scope: t.Array(t.String(), {
            minItems: 1,
            description:
              "permissions like containers:read or containers:*, '*' for all of them, and 'account' to manage your own account",
          }),
          expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
        }),
        detail: { summary: 'Create an API token; its secret is shown only in this answer', tags },
      },
    )
    .delete(
      '/tokens/:tokenId',
      async ({ principal, params, set }) => {
        const user = await requireUser(principal);
        if (!(await tokens.revoke(params.tokenId, user.id)))
          throw new HttpError(404, 'TOKEN_NOT_FOUND', 'No such token of yours');
        set.status = 204;
      },
      {
        access: 'account',
        params: TokenIdParams,
        response: { 204: t.Void(), 404: ErrorSchema },
        detail: { summary: 'Revoke an API token', tags },
      },
    );
}
