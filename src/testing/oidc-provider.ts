// A real OpenID provider (panva's oidc-provider) on 127.0.0.1 for tests and browser checks. PKCE is
// required, `groups` is both a scope and a claim, and users sign in through a plain HTML form:
//   <input id="login" name="login">  <input id="password" name="password" type="password">
//   <button type="submit">Sign in</button>  <a id="cancel">Cancel</a> (answers the client with access_denied)
// A wrong password shows the form again with <p id="error">. Consent is given without asking.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';

export interface TestOidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /** How the client authenticates at the token endpoint; oidc-provider's default is client_secret_basic. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

export interface TestOidcAccount {
  email: string;
  name: string;
  groups: string[];
}

export interface TestOidcProviderOptions {
  clients: TestOidcClient[];
  /** Keyed by username, which is also the account's `sub`. */
  accounts: Record<string, TestOidcAccount>;
}

export interface TestOidcProvider {
  issuer: string;
  /** A GitHub-style `GET /user` API: a bearer access token in, `{ id, login, email, name }` out, no `sub`. */
  githubStyleUserUrl: string;
  stop(): Promise<void>;
}

/** The password the login form accepts for a test account. */
export function testAccountPassword(username: string): string {
  return `${username}-pass`;
}

const INTERACTION_PATH = /^\/interaction\/([\w-]+)(\/login|\/cancel)?$/;
const GITHUB_STYLE_USER_PATH = '/user';
const TEN_MINUTES = 600;

export async function startTestOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  // The issuer contains the port, so the server listens before the provider exists.
  let handleRequest: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handleRequest(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = await createProvider(issuer, options);
  handleRequest = requestHandler(provider, options.accounts);

  return {
    issuer,
    githubStyleUserUrl: `${issuer}${GITHUB_STYLE_USER_PATH}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function createProvider(
  issuer: string,
  { clients, accounts }: TestOidcProviderOptions,
): Promise<Provider> {
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  // oidc-provider announces on import that Bun is not Node.js and on construction that it keeps its
  // state in memory; both are expected here and would only clutter the test output.
  return quietly(async () => {
    const { default: OidcProvider } = await import('oidc-provider');
    return new OidcProvider(issuer, {
      clients,
      jwks: { keys: [signingKey] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      claims: {
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username'],
        groups: ['groups'],
      },
      findAccount: async (_ctx, username) => {
        if (!Object.hasOwn(accounts, username)) return undefined;
        const { email, name, groups } = accounts[username] as TestOidcAccount;
        return {
          accountId: username,
          claims: () => ({
            sub: username,
            preferred_username: username,
            email,
            email_verified: true,
            name,
            groups,
          }),
        };
      },
      // Explicit lifetimes keep oidc-provider from printing a notice about each default it falls back to.
      ttl: {
        AccessToken: TEN_MINUTES,
        IdToken: TEN_MINUTES,
        Interaction: TEN_MINUTES,
        Session: TEN_MINUTES,
        Grant: TEN_MINUTES,
      },
      renderError: (ctx, out) => {
        ctx.type = 'text';
        ctx.body = `${out.error}: ${out.error_description ?? ''}`;
      },
    });
  });
}

async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const { warn, info } = console;
  console.warn = () => {};
  console.info = () => {};
  try {
    return await run();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

function requestHandler(
  provider: Provider,
  accounts: Record<string, TestOidcAccount>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const oidcEndpoints = provider.callback();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, uid, action] = INTERACTION_PATH.exec(pathname) ?? [];
    if (uid && action === undefined && req.method === 'GET') return showInteraction(uid, req, res);
    if (uid && action === '/login' && req.method === 'POST') return submitLogin(uid, req, res);
    if (uid && action === '/cancel' && req.method === 'GET') {
      return provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The user cancelled the sign-in',
      });
    }
    if (pathname === GITHUB_STYLE_USER_PATH && req.method === 'GET') return githubStyleUser(req, res);
    oidcEndpoints(req, res);
  }

  async function showInteraction(uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.prompt.name !== 'consent') return sendHtml(res, 200, loginPage(uid));

    const { prompt, params, session, grantId } = interaction;
    if (!session) throw new Error('consent without a signed-in account');
    const grant =
      (grantId ? await provider.Grant.find(grantId) : undefined) ??
      new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
  }

  async function submitLogin(uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('login') ?? '';
    if (!Object.hasOwn(accounts, username) || form.get('password') !== testAccountPassword(username)) {
      return sendHtml(res, 401, loginPage(uid, 'Unknown username or wrong password.'));
    }
    await provider.interactionFinished(req, res, { login: { accountId: username } });
  }

  async function githubStyleUser(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const username = token ? (await provider.AccessToken.find(token))?.accountId : undefined;
    const account = username === undefined ? undefined : accounts[username];
    if (!username || !account) return sendJson(res, 401, { message: 'Bad credentials' });
    const id = Object.keys(accounts).indexOf(username) + 1;
    sendJson(res, 200, { id, login: username, email: account.email, name: account.name });
  }

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end(error instanceof Error ? error.message : String(error));
    });
  };
}

function loginPage(uid: string, problem?: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - test OpenID provider</title></head>
<body>
<h1>Sign in</h1>
${problem ? `<p id="error" role="alert">${problem}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p><a id="cancel" href="/interaction/${uid}/cancel">Cancel</a></p>
</body>
</html>`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
