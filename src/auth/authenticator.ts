// Who is calling: API tokens and session cookies turned into a Principal; local login with
// growing delays per account name and per address (never a lock: see loginWithPassword); the
// first admin; the TOTP step with its attempt limits.
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
import { describeWait, LoginThrottle, type ThrottlePolicy } from './rate-limit.ts';
import { totpStep } from './totp.ts';

export const SESSION_COOKIE = 'windflow_session';
export const CSRF_COOKIE = 'windflow_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Per account name, known or not (so the answers tell no names apart). */
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  firstDelayMs: 2000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
/** Per address, for every login method and the second-factor step. */
export const ADDRESS_THROTTLE: ThrottlePolicy = {
  freeFailures: 20,
  firstDelayMs: 2000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};
/** Wrong codes one pending login may try before it has to start again with the password. */
export const MFA_ATTEMPTS_PER_LOGIN = 5;

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
  private readonly addresses = new LoginThrottle(ADDRESS_THROTTLE);
  private readonly accounts = new LoginThrottle(ACCOUNT_THROTTLE);
  private readonly pendingMfa = new LoginThrottle({
    freeFailures: MFA_ATTEMPTS_PER_LOGIN,
    firstDelayMs: 0,
    maxDelayMs: 0,
    forgetAfterMs: 60 * 60_000,
  });

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

  /** Makes an address that failed many logins lately wait, whatever the login method. */
  assertAddressAllowed(client: ClientContext): void {
    const waitMs = this.addresses.waitMs(client.sourceIp);
    if (waitMs > 0) {
      throw new AuthError(
        429,
        'TOO_MANY_ATTEMPTS',
        `Too many failed logins from your address; try again in ${describeWait(waitMs)}`,
        waitMs,
      );
    }
  }

  recordAddressFailure(client: ClientContext): void {
    this.addresses.fail(client.sourceIp);
  }

  /** Milliseconds logins for this account name still have to wait (0: none). */
  accountWaitMs(username: string): number {
    return this.accounts.waitMs(username);
  }

  /** An admin lifts the delay failed logins put on an account. */
  unlock(username: string): void {
    this.accounts.clear(username);
  }

  /**
   * A wrong password makes the next attempt for that name wait longer, for known and unknown names
   * alike. The wait is not a lock: once it is over the right password works, and during it the right
   * password of an account with a second factor still goes on to the code step, so nobody's wrong
   * guesses can keep the owner (the last admin included) out.
   */
  async loginWithPassword(username: string, password: string, client: ClientContext): Promise<LoggedIn> {
    this.assertAddressAllowed(client);
    // Measured as the attempt arrives, before the slow hash check.
    const waitMs = this.accounts.waitMs(username);
    const credentials = await this.stores.users.credentials(username);
    const matches = await verifyPassword(password, credentials?.passwordHash ?? (await decoyHash));
    const rightPassword = matches && Boolean(credentials?.passwordHash);
    if (waitMs > 0 && !(rightPassword && credentials?.user.mfaEnabled)) {
      if (!rightPassword) this.recordAddressFailure(client);
      throw new AuthError(
        429,
        'TOO_MANY_ATTEMPTS',
        `Too many failed logins for this account; try again in ${describeWait(waitMs)}`,
        waitMs,
      );
    }
    if (!credentials || !rightPassword) {
      this.accounts.fail(username);
      return this.refuse(client);
    }
    const { user } = credentials;
    if (user.disabled) throw new AuthError(403, 'ACCOUNT_DISABLED', 'This account is disabled');
    // With a second factor to come, the login is not done yet: the step clears the counts.
    if (!user.mfaEnabled) {
      this.addresses.clear(client.sourceIp);
      this.accounts.clear(username);
    }
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

  /**
   * The second step: a TOTP code (each time step once) or an unused recovery code. A pending login
   * gets MFA_ATTEMPTS_PER_LOGIN wrong codes, then has to start again; wrong codes also count
   * against the address.
   */
  async completeMfa(sessionToken: string, code: string, client: ClientContext): Promise<Session> {
    this.assertAddressAllowed(client);
    const session = await this.stores.sessions.resolve(sessionToken);
    if (!session?.mfaPending) throw new AuthError(401, 'NO_MFA_PENDING', 'Log in with your password first');
    if (!(await this.codeIsValid(session.userId, code))) {
      this.recordAddressFailure(client);
      this.pendingMfa.fail(session.id);
      if (this.pendingMfa.failureCount(session.id) >= MFA_ATTEMPTS_PER_LOGIN) {
        this.pendingMfa.clear(session.id);
        await this.stores.sessions.remove(session.id);
        throw new AuthError(
          401,
          'MFA_ATTEMPTS_EXHAUSTED',
          'Too many wrong codes; log in with your password again',
        );
      }
      throw new AuthError(401, 'INVALID_MFA_CODE', 'That code is not valid (each code works once)');
    }
    this.pendingMfa.clear(session.id);
    this.addresses.clear(client.sourceIp);
    const user = await this.stores.users.get(session.userId);
    if (user) this.accounts.clear(user.username);
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

  /**
   * Whom work a user set up acts for when it runs without them (a Git stack's webhook or poll):
   * their roles now, narrowed by the scope of the token they set it up with; undefined for a
   * deleted or disabled user.
   */
  async actingFor(
    userId: number,
    tokenScope: Principal['tokenScope'] | null,
    via: Principal['via'],
  ): Promise<Principal | undefined> {
    const user = await this.stores.users.get(userId);
    if (!user || user.disabled) return undefined;
    return {
      ...(await this.principalFor(user, via)),
      ...(tokenScope ? { tokenScope } : {}),
      csrfValid: true,
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
