import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { calculatePKCECodeChallenge } from 'openid-client';
import {
  startTestOidcProvider,
  type TestOidcProvider,
  testAccountPassword,
} from '../testing/oidc-provider.ts';
import {
  OAuthLoginError,
  type OAuthLoginErrorCode,
  OAuthLogins,
  type OAuthProviderSettings,
  PENDING_LOGIN_LIFETIME_MS,
} from './oidc.ts';

const APP = 'http://127.0.0.1:9';
const callbackFor = (providerId: string) => `${APP}/api/auth/oauth/${providerId}/callback`;

let corporate: TestOidcProvider;
let partner: TestOidcProvider;

beforeAll(async () => {
  corporate = await startTestOidcProvider({
    clients: [
      { client_id: 'windflow', client_secret: 'corporate-secret', redirect_uris: [callbackFor('corporate')] },
      {
        client_id: 'windflow-github-style',
        client_secret: 'github-style-secret',
        redirect_uris: [callbackFor('github-style')],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    accounts: {
      alice: { email: 'alice@corp.example', name: 'Alice Admin', groups: ['ops', 'windflow-admins'] },
      bob: { email: 'bob@corp.example', name: 'Bob Builder', groups: [] },
    },
  });
  partner = await startTestOidcProvider({
    clients: [
      {
        client_id: 'windflow-partner',
        client_secret: 'partner-secret',
        redirect_uris: [callbackFor('partner')],
      },
    ],
    accounts: {
      carol: { email: 'carol@partner.example', name: 'Carol Contractor', groups: ['contractors'] },
    },
  });
});

afterAll(async () => {
  await Promise.all([corporate?.stop(), partner?.stop()]);
});

function corporateSettings(overrides: Partial<OAuthProviderSettings> = {}): OAuthProviderSettings {
  return {
    id: 'corporate',
    name: 'Corporate SSO',
    kind: 'oidc',
    issuerUrl: corporate.issuer,
    clientId: 'windflow',
    clientSecret: 'corporate-secret',
    scopes: [],
    usernameClaim: 'preferred_username',
    groupsClaim: 'groups',
    allowInsecureHttp: true,
    ...overrides,
  };
}

function partnerSettings(): OAuthProviderSettings {
  return {
    ...corporateSettings(),
    id: 'partner',
    name: 'Partner SSO',
    issuerUrl: partner.issuer,
    clientId: 'windflow-partner',
    clientSecret: 'partner-secret',
  };
}

function githubStyleSettings(): OAuthProviderSettings {
  return {
    id: 'github-style',
    name: 'GitHub-style',
    kind: 'oauth2',
    authorizationUrl: `${corporate.issuer}/auth`,
    tokenUrl: `${corporate.issuer}/token`,
    userInfoUrl: corporate.githubStyleUserUrl,
    clientId: 'windflow-github-style',
    clientSecret: 'github-style-secret',
    scopes: ['profile'],
    usernameClaim: 'login',
    groupsClaim: 'groups',
    allowInsecureHttp: true,
  };
}

type Landing = { callbackUrl: URL } | { page: URL; status: number; html: string };

/** Enough of a browser for the provider's pages: a cookie jar per origin, redirects followed by hand. */
class Browser {
  readonly #cookies = new Map<string, Map<string, string>>();

  constructor(readonly callbackPrefix: string) {}

  open(url: URL): Promise<Landing> {
    return this.#navigate(url, 'GET');
  }

  submitLoginForm(landing: Landing, fields: { login: string; password: string }): Promise<Landing> {
    const html = pageHtml(landing);
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form on the page:\n${html}`);
    return this.#navigate(new URL(action, pageUrl(landing)), 'POST', new URLSearchParams(fields));
  }

  cancelLogin(landing: Landing): Promise<Landing> {
    const href = /<a id="cancel" href="([^"]+)"/.exec(pageHtml(landing))?.[1];
    if (!href) throw new Error('no cancel link on the page');
    return this.#navigate(new URL(href, pageUrl(landing)), 'GET');
  }

  async #navigate(start: URL, startMethod: 'GET' | 'POST', body?: URLSearchParams): Promise<Landing> {
    let url = start;
    let method = startMethod;
    for (let hops = 0; hops < 20; hops++) {
      const response = await fetch(url, {
        method,
        body: method === 'POST' ? body : undefined,
        headers: { cookie: this.#cookieHeader(url) },
        redirect: 'manual',
      });
      this.#storeCookies(url, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        return { page: url, status: response.status, html: await response.text() };
      }
      await response.body?.cancel();
      url = new URL(location, url);
      if (url.href.startsWith(this.callbackPrefix)) return { callbackUrl: url };
      method = 'GET';
    }
    throw new Error(`too many redirects, last at ${url}`);
  }

  #cookieHeader(url: URL): string {
    return [...(this.#cookies.get(url.origin) ?? new Map())]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }

  #storeCookies(url: URL, setCookies: string[]): void {
    const jar = this.#cookies.get(url.origin) ?? new Map<string, string>();
    this.#cookies.set(url.origin, jar);
    for (const setCookie of setCookies) {
      const [pair = '', ...attributes] = setCookie.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=.*1970)/i.test(attribute));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(separator + 1).trim());
    }
  }
}

function pageHtml(landing: Landing): string {
  if (!('html' in landing)) throw new Error(`expected a page, got a redirect to ${landing.callbackUrl}`);
  return landing.html;
}

function pageUrl(landing: Landing): URL {
  if (!('page' in landing)) throw new Error(`expected a page, got a redirect to ${landing.callbackUrl}`);
  return landing.page;
}

function callbackUrlOf(landing: Landing): URL {
  if (!('callbackUrl' in landing)) throw new Error(`expected a redirect to the app, got:\n${landing.html}`);
  return landing.callbackUrl;
}

/** Signs `username` in at the provider's login form and returns the URL the provider sent the browser back to. */
async function signIn(authorizationUrl: URL, redirectUri: string, username: string): Promise<URL> {
  const browser = new Browser(redirectUri);
  const loginPage = await browser.open(authorizationUrl);
  return callbackUrlOf(
    await browser.submitLoginForm(loginPage, { login: username, password: testAccountPassword(username) }),
  );
}

async function loginError(attempt: Promise<unknown>): Promise<OAuthLoginError> {
  const error = await attempt.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof OAuthLoginError)) throw new Error(`expected an OAuthLoginError, got ${error}`);
  return error;
}

async function expectLoginError(
  attempt: Promise<unknown>,
  code: OAuthLoginErrorCode,
): Promise<OAuthLoginError> {
  const error = await loginError(attempt);
  expect(error.code).toBe(code);
  return error;
}

describe('OpenID Connect', () => {
  test('code flow with PKCE, state and nonce yields the identity with groups', async () => {
    const logins = new OAuthLogins();
    const settings = corporateSettings();
    const { authorizationUrl, pending } = await logins.begin(settings, callbackFor('corporate'));

    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${corporate.issuer}/auth`);
    const query = authorizationUrl.searchParams;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe('windflow');
    expect(query.get('redirect_uri')).toBe(callbackFor('corporate'));
    expect(query.get('scope')).toBe('openid profile email groups');
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toBe(await calculatePKCECodeChallenge(pending.codeVerifier));
    expect(query.get('state')).toBe(pending.state);
    expect(pending.nonce).toBeString();
    expect(query.get('nonce')).toBe(pending.nonce as string);
    expect(pending).toMatchObject({ providerId: 'corporate', redirectUri: callbackFor('corporate') });

    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'alice');
    expect(callbackUrl.searchParams.get('code')).toBeString();

    expect(await logins.complete(settings, pending, callbackUrl)).toEqual({
      providerId: 'corporate',
      subject: 'alice',
      username: 'alice',
      email: 'alice@corp.example',
      displayName: 'Alice Admin',
      groups: ['ops', 'windflow-admins'],
    });
  });

  test('explicit scopes are used as given, with openid added; a missing groups claim means no groups', async () => {
    const logins = new OAuthLogins();
    const settings = corporateSettings({ scopes: ['profile'] });
    const { authorizationUrl, pending } = await logins.begin(settings, callbackFor('corporate'));
    expect(authorizationUrl.searchParams.get('scope')).toBe('openid profile');

    const identity = await logins.complete(
      settings,
      pending,
      await signIn(authorizationUrl, pending.redirectUri, 'alice'),
    );
    expect(identity).toMatchObject({ username: 'alice', displayName: 'Alice Admin', groups: [] });
    expect(identity.email).toBeUndefined();
  });

  test('the login form rejects a wrong password and shows the form again', async () => {
    const { authorizationUrl, pending } = await new OAuthLogins().begin(
      corporateSettings(),
      callbackFor('corporate'),
    );
    const browser = new Browser(pending.redirectUri);
    const loginPage = pageHtml(await browser.open(authorizationUrl));
    for (const element of [
      '<input id="login" name="login"',
      '<input id="password" name="password" type="password"',
    ]) {
      expect(loginPage).toContain(element);
    }
    expect(loginPage).toContain('<button type="submit">');

    const retry = await browser.submitLoginForm(await browser.open(authorizationUrl), {
      login: 'alice',
      password: 'wrong',
    });
    expect('status' in retry && retry.status).toBe(401);
    expect(pageHtml(retry)).toContain('<p id="error" role="alert">');
  });

  test('two providers at once keep their logins apart', async () => {
    const logins = new OAuthLogins();
    const corporateLogin = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const partnerLogin = await logins.begin(partnerSettings(), callbackFor('partner'));
    expect(partnerLogin.authorizationUrl.origin).toBe(new URL(partner.issuer).origin);
    expect(partnerLogin.authorizationUrl.searchParams.get('client_id')).toBe('windflow-partner');

    const corporateCallback = await signIn(
      corporateLogin.authorizationUrl,
      callbackFor('corporate'),
      'alice',
    );
    const partnerCallback = await signIn(partnerLogin.authorizationUrl, callbackFor('partner'), 'carol');

    await expectLoginError(
      logins.complete(partnerSettings(), corporateLogin.pending, corporateCallback),
      'STATE_MISMATCH',
    );
    await expectLoginError(
      logins.complete(corporateSettings(), corporateLogin.pending, partnerCallback),
      'STATE_MISMATCH',
    );

    expect(await logins.complete(partnerSettings(), partnerLogin.pending, partnerCallback)).toMatchObject({
      providerId: 'partner',
      subject: 'carol',
      groups: ['contractors'],
    });
    expect(
      await logins.complete(corporateSettings(), corporateLogin.pending, corporateCallback),
    ).toMatchObject({
      providerId: 'corporate',
      subject: 'alice',
      groups: ['ops', 'windflow-admins'],
    });
  });

  test('a callback whose state is not the pending login’s is refused', async () => {
    const logins = new OAuthLogins();
    const first = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const second = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const callbackUrl = await signIn(second.authorizationUrl, callbackFor('corporate'), 'alice');

    await expectLoginError(
      logins.complete(corporateSettings(), first.pending, callbackUrl),
      'STATE_MISMATCH',
    );

    const withoutState = new URL(callbackUrl);
    withoutState.searchParams.delete('state');
    await expectLoginError(
      logins.complete(corporateSettings(), second.pending, withoutState),
      'STATE_MISMATCH',
    );
  });

  test('a replayed authorization code is refused by the provider', async () => {
    const logins = new OAuthLogins();
    const { authorizationUrl, pending } = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'bob');
    expect((await logins.complete(corporateSettings(), pending, callbackUrl)).username).toBe('bob');

    const replay = await expectLoginError(
      logins.complete(corporateSettings(), pending, callbackUrl),
      'PROVIDER_ERROR',
    );
    expect(replay.message).toContain('invalid_grant');
  });

  test('a user who cancels at the provider gets PROVIDER_ERROR with the provider’s description', async () => {
    const logins = new OAuthLogins();
    const { authorizationUrl, pending } = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const browser = new Browser(pending.redirectUri);
    const callbackUrl = callbackUrlOf(await browser.cancelLogin(await browser.open(authorizationUrl)));
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');

    const denied = await expectLoginError(
      logins.complete(corporateSettings(), pending, callbackUrl),
      'PROVIDER_ERROR',
    );
    expect(denied.message).toBe('The user cancelled the sign-in (access_denied)');
  });

  test('a pending login older than ten minutes has EXPIRED', async () => {
    const logins = new OAuthLogins();
    const { authorizationUrl, pending } = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'alice');
    const stale = { ...pending, createdAt: Date.now() - PENDING_LOGIN_LIFETIME_MS - 1 };

    await expectLoginError(logins.complete(corporateSettings(), stale, callbackUrl), 'EXPIRED');
  });

  test('an ID token with another nonce is an INVALID_RESPONSE', async () => {
    const logins = new OAuthLogins();
    const { authorizationUrl, pending } = await logins.begin(corporateSettings(), callbackFor('corporate'));
    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'alice');

    const error = await expectLoginError(
      logins.complete(corporateSettings(), { ...pending, nonce: 'another-nonce' }, callbackUrl),
      'INVALID_RESPONSE',
    );
    expect(error.message).toContain('nonce');
  });

  test('a wrong client secret is refused by the provider', async () => {
    const logins = new OAuthLogins();
    const settings = corporateSettings({ clientSecret: 'not-the-secret' });
    const { authorizationUrl, pending } = await logins.begin(settings, callbackFor('corporate'));
    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'alice');

    const error = await expectLoginError(logins.complete(settings, pending, callbackUrl), 'PROVIDER_ERROR');
    expect(error.message).toContain('invalid_client');
  });

  test('a username claim the provider does not send is an INVALID_RESPONSE', async () => {
    const logins = new OAuthLogins();
    const settings = corporateSettings({ usernameClaim: 'nickname' });
    const { authorizationUrl, pending } = await logins.begin(settings, callbackFor('corporate'));
    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'alice');

    const error = await expectLoginError(logins.complete(settings, pending, callbackUrl), 'INVALID_RESPONSE');
    expect(error.message).toContain('"nickname"');
  });
});

describe('discovery', () => {
  test('an unreachable issuer is DISCOVERY_FAILED, naming the issuer', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const unreachable = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);

    const error = await expectLoginError(
      new OAuthLogins().begin(corporateSettings({ issuerUrl: unreachable }), callbackFor('corporate')),
      'DISCOVERY_FAILED',
    );
    expect(error.message).toStartWith(`could not discover the OpenID provider at ${unreachable}: `);
  });

  test('an http issuer is refused unless insecure HTTP is allowed', async () => {
    const error = await expectLoginError(
      new OAuthLogins().begin(corporateSettings({ allowInsecureHttp: false }), callbackFor('corporate')),
      'DISCOVERY_FAILED',
    );
    expect(error.message).toContain('only requests to HTTPS are allowed');
  });

  test('a successful discovery is cached per provider, a failed one is retried', async () => {
    let discoveryRequests = 0;
    let available = false;
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (request) => {
        discoveryRequests++;
        if (!available) return new Response('starting up', { status: 503 });
        const { origin } = new URL(request.url);
        return Response.json({
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
        });
      },
    });
    try {
      const logins = new OAuthLogins();
      const settings = corporateSettings({ id: 'flaky', issuerUrl: server.url.origin });

      await expectLoginError(logins.begin(settings, callbackFor('flaky')), 'DISCOVERY_FAILED');
      available = true;
      const first = await logins.begin(settings, callbackFor('flaky'));
      const second = await logins.begin(settings, callbackFor('flaky'));

      expect(first.authorizationUrl.href).toStartWith(`${server.url.origin}/authorize?`);
      expect(second.pending.state).not.toBe(first.pending.state);
      expect(discoveryRequests).toBe(2);
    } finally {
      await server.stop(true);
    }
  });
});

describe('plain OAuth 2.0 (GitHub-style)', () => {
  test('code flow with PKCE and no nonce; the identity comes from the user API', async () => {
    const logins = new OAuthLogins();
    const settings = githubStyleSettings();
    const { authorizationUrl, pending } = await logins.begin(settings, callbackFor('github-style'));

    expect(authorizationUrl.href).toStartWith(`${corporate.issuer}/auth?`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('state')).toBe(pending.state);
    expect(authorizationUrl.searchParams.has('nonce')).toBe(false);
    expect(authorizationUrl.searchParams.get('scope')).toBe('profile');
    expect(pending.nonce).toBeUndefined();

    const callbackUrl = await signIn(authorizationUrl, pending.redirectUri, 'bob');
    expect(await logins.complete(settings, pending, callbackUrl)).toEqual({
      providerId: 'github-style',
      subject: '2',
      username: 'bob',
      email: 'bob@corp.example',
      displayName: 'Bob Builder',
      groups: [],
    });
  });

  test('missing endpoints are reported before any request', async () => {
    const error = await expectLoginError(
      new OAuthLogins().begin({ ...githubStyleSettings(), tokenUrl: undefined }, callbackFor('github-style')),
      'DISCOVERY_FAILED',
    );
    expect(error.message).toContain('token URL');
  });
});
