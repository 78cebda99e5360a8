// Who is calling: API tokens and session cookies turned into a Principal; local login with
// rate limiting and lockout; the first admin; the TOTP step.
import { timingSafeEqual } from 'node:crypto';
import type { ApiTokenStore } from '../store/api-tokens.ts';
import type { Session, User } from '../store/records.ts';
import type { RecoveryCodeStore } from '../store/recovery-codes.ts';
import type { RoleStore } from '../store/roles.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { SettingsStore } from '../store/settings.ts';
import type { UserStore } from '../store/users.ts';
import { AuthError } from './errors.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { Principal } from './principal.ts';
import { FailureCounter } from './rate-limit.ts';
import { totpStep } from './totp.ts';

export const SESSION_COOKIE = 'windflow_session';
export const CSRF_COOKIE = 'windflow_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const LOCKOUT = { failures: 5, durationMs: 15 * 60_000 };
const ADDRESS_LIMIT = { failures: 20, windowMs: 15 * 60_000 };

export interface AuthStores {
  users: UserStore;
  roles: RoleStore;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  recoveryCodes: RecoveryCodeStore;
  secrets: SecretBox;
  settings: SettingsStore;
}

export interface ClientContext {
  sourceIp: string;
  userAgent: string;
}

export interface LoggedIn {
  user: User;
  token: string;
  session: Session;
}

// Verifying against a real hash when the user does not exist keeps the answer time the same,
// so timing does not tell which user names exist.
const decoyHash = hashPassword('windflow-decoy-password');

export class Authenticator {
  private readonly addressFailures = new FailureCounter(ADDRESS_LIMIT.failures, ADDRESS_LIMIT.windowMs);

  constructor(private readonly stores: AuthStores) {}

  async setupRequired(): Promise<boolean> {
    return (await this.stores.users.count()) === 0;
  }

  /** Creates the first admin and logs them in; refused once any user exists. */
  async setUpFirstAdmin(username: string, password: string, client: ClientContext): Promise<LoggedIn> {
    if (!(await this.setupRequired()))
      throw new AuthError(409, 'ALREADY_SET_UP', 'Windflow already has an admin');
    const problem = passwordProblem(password, username);
    if (problem) throw new AuthError(400, 'WEAK_PASSWORD', problem);
    const user = await this.stores.users.create({ username, passwordHash: await hashPassword(password) });
    const admin = await this.stores.roles.findByName('admin');
    if (!admin) throw new Error('the built-in admin role is missing');
    await this.stores.roles.setBindings(user.id, 'manual', [{ roleId: admin.id, environmentId: null }]);
    await this.stores.users.recordLogin(user.id);
    return { user, ...(await this.stores.sessions.create(user.id, { ...client, mfaPending: false })) };
  }

  /** Refuses an address that failed too many logins lately, whatever the login method. */
  assertAddressAllowed(client: ClientContext): void {
    if (this.addressFailures.isBlocked(client.sourceIp)) {
      const minutes = Math.ceil(this.addressFailures.retryAfterMs(client.sourceIp) / 60_000);
      throw new AuthError(
        429,
        'TOO_MANY_ATTEMPTS',
        `Too many failed logins from your address; try again in ${minutes} min`,
      );
    }
  }

  recordAddressFailure(client: ClientContext): void {
    this.addressFailures.fail(client.sourceIp);
  }

  async loginWithPassword(username: string, password: string, client: ClientContext): Promise<LoggedIn> {
    this.assertAddressAllowed(client);
    const credentials = await this.stores.users.credentials(username);
    const matches = await verifyPassword(password, credentials?.passwordHash ?? (await decoyHash));
    if (!credentials?.passwordHash) return this.refuse(client);
    const { user } = credentials;
    if (user.locked) {
      throw new AuthError(
        429,
        'ACCOUNT_LOCKED',
        'Too many failed logins for this account; try again later or ask an admin',
      );
    }
    if (!matches) {
      const lock = credentials.failedLogins + 1 >= LOCKOUT.failures;
      await this.stores.users.recordLoginFailure(
        user.id,
        lock ? new Date(Date.now() + LOCKOUT.durationMs).toISOString() : null,
      );
      return this.refuse(client);
    }
    if (user.disabled) throw new AuthError(403, 'ACCOUNT_DISABLED', 'This account is disabled');
    this.addressFailures.clear(client.sourceIp);
    await this.stores.users.recordLogin(user.id);
    return {
      user,
      ...(await this.stores.sessions.create(user.id, { ...client, mfaPending: user.mfaEnabled })),
    };
  }

  /** Logs in a user that LDAP or OIDC vouched for. */
  async loginVerifiedUser(user: User, client: ClientContext): Promise<LoggedIn> {
    if (user.disabled) throw new AuthError(403, 'ACCOUNT_DISABLED', 'This account is disabled');
    await this.stores.users.recordLogin(user.id);
    return {
      user,
      ...(await this.stores.sessions.create(user.id, { ...client, mfaPending: user.mfaEnabled })),
    };
  }

  /** The second step: a TOTP code (each time step once) or an unused recovery code. */
  async completeMfa(sessionToken: string, code: string): Promise<Session> {
    const session = await this.stores.sessions.resolve(sessionToken);
    if (!session?.mfaPending) throw new AuthError(401, 'NO_MFA_PENDING', 'Log in with your password first');
    if (!(await this.codeIsValid(session.userId, code))) {
      throw new AuthError(401, 'INVALID_MFA_CODE', 'That code is not valid (each code works once)');
    }
    await this.stores.sessions.completeMfa(session.id);
    return { ...session, mfaPending: false };
  }

  async codeIsValid(userId: number, code: string): Promise<boolean> {
    const credentials = await this.stores.users.credentialsById(userId);
    if (!credentials?.mfaSecret) return false;
    const step = await totpStep(this.stores.secrets.decrypt(credentials.mfaSecret), code.trim());
    if (step !== undefined) return this.stores.users.claimMfaStep(userId, step);
    return this.stores.recoveryCodes.redeem(userId, code);
  }

  /** The caller of a request: API token first, then the session cookie. */
  async resolvePrincipal(request: Request): Promise<Principal | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    if (bearer) {
      const token = await this.stores.tokens.resolve(bearer);
      if (!token) throw new AuthError(401, 'INVALID_TOKEN', 'The API token is unknown, revoked or expired');
      const user = await this.stores.users.get(token.userId);
      if (!user || user.disabled)
        throw new AuthError(401, 'INVALID_TOKEN', "The API token's user is disabled");
      return { ...(await this.principalFor(user, 'token')), tokenScope: token.scope, csrfValid: true };
    }
    const sessionToken = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
    if (!sessionToken) return undefined;
    const session = await this.stores.sessions.resolve(sessionToken);
    if (!session || session.mfaPending) return undefined;
    const user = await this.stores.users.get(session.userId);
    if (!user || user.disabled) return undefined;
    const principal = await this.principalFor(user, 'session');
    return {
      ...principal,
      sessionId: session.id,
      csrfValid: sameSecret(request.headers.get(CSRF_HEADER), session.csrfToken),
      mfaEnrolmentRequired: !user.mfaEnabled && (await this.policyRequiresMfa(principal.roles)),
    };
  }

  private async policyRequiresMfa(roles: Principal['roles']): Promise<boolean> {
    const { mfaRequired } = await this.stores.settings.security();
    if (mfaRequired === 'all') return true;
    return mfaRequired === 'admins' && roles.some((role) => role.grants.includes('*'));
  }

  private async principalFor(user: User, via: Principal['via']) {
    return {
      userId: user.id,
      username: user.username,
      roles: await this.stores.roles.grantsOf(user.id),
      via,
    };
  }

  private refuse(client: ClientContext): never {
    this.recordAddressFailure(client);
    throw new AuthError(401, 'INVALID_CREDENTIALS', 'Wrong user name or password');
  }
}

export function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // not percent-encoding: no such cookie, rather than a failed request
    }
  }
  return undefined;
}

function sameSecret(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
