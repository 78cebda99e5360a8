// A logged-in API caller for tests: keeps the session cookie and sends the CSRF token, against
// an in-process app (app.handle) or a running server (fetch). Also logs a browser page in.
import { request as httpRequest } from 'node:http';
import type { Page } from 'playwright-core';

export const TEST_ADMIN_CREDENTIALS = { username: 'admin', password: 'correct horse battery staple' };

type Send = (request: Request) => Promise<Response>;

export interface JsonAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the route returns
  body: any;
  text: string;
  headers: Headers;
}

export class ApiSession {
  private cookies = new Map<string, string>();
  private bearer: string | undefined;

  constructor(
    private readonly send: Send,
    private readonly base = 'http://windflow.test',
  ) {}

  static forServer(baseUrl: string): ApiSession {
    return new ApiSession((request) => fetch(request), baseUrl);
  }

  /** A caller from another loopback address (127.0.0.2, ...): the server sees it as another client. */
  static forServerFrom(baseUrl: string, localAddress: string): ApiSession {
    return new ApiSession((request) => sendFrom(request, localAddress), baseUrl);
  }

  static forApp(app: { handle(request: Request): Promise<Response> }): ApiSession {
    return new ApiSession((request) => app.handle(request));
  }

  /** Creates the first admin (the app must have no users yet) and keeps its session. */
  async setUpAdmin(credentials = TEST_ADMIN_CREDENTIALS): Promise<this> {
    const answer = await this.call('POST', '/api/auth/setup', credentials);
    if (answer.status !== 201) throw new Error(`setup failed: ${answer.status} ${answer.text}`);
    return this;
  }

  async login(credentials: { username: string; password: string }): Promise<JsonAnswer> {
    return this.call('POST', '/api/auth/login', credentials);
  }

  withToken(token: string): this {
    this.bearer = token;
    return this;
  }

  get csrfToken(): string | undefined {
    return this.cookies.get('windflow_csrf');
  }

  /** A JSON request; the answer is read whole. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<JsonAnswer> {
    const headers =
      body === undefined ? extraHeaders : { 'content-type': 'application/json', ...extraHeaders };
    const response = await this.request(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      headers,
    );
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  /** Any request as this session (cookie, CSRF token, bearer); the caller reads the answer. */
  async request(
    method: string,
    path: string,
    body?: RequestInit['body'],
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (this.csrfToken && !('x-csrf-token' in headers)) headers['x-csrf-token'] = this.csrfToken;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    const response = await this.send(new Request(`${this.base}${path}`, { method, headers, body }));
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const [name = '', ...value] = pair.split('=');
      const expired = attributes.some((attribute) =>
        /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute),
      );
      if (expired || value.join('=') === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('='));
    }
    return response;
  }
}

/** fetch() cannot choose its source address; node:http can. */
async function sendFrom(request: Request, localAddress: string): Promise<Response> {
  const url = new URL(request.url);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: Object.fromEntries(request.headers),
        localAddress,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers))
            for (const one of [value ?? []].flat()) headers.append(name, one);
          const status = incoming.statusCode ?? 500;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Logs a browser page in through the login form (the admin must exist). */
export async function logInPage(
  page: Page,
  baseUrl: string,
  credentials = TEST_ADMIN_CREDENTIALS,
): Promise<void> {
  await gotoSteadily(page, `${baseUrl}/login`);
  await page.getByLabel('User name').fill(credentials.username);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/login'));
}

/**
 * page.goto, again when Chromium aborted it with ERR_NETWORK_CHANGED: it does so to requests in
 * flight whenever the host's interfaces change, which they do each time a container starts on
 * this shared test machine (a full CI run lost a proxy test's login to it).
 */
async function gotoSteadily(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (error) {
      if (attempt === 3 || !String(error).includes('ERR_NETWORK_CHANGED')) throw error;
    }
  }
}
