// A client for a registry's own HTTP API (distribution v2): repositories, tags, and a tag's
// digest, multi-architecture lists included. Basic auth and the Bearer token flow (a 401 with
// WWW-Authenticate: Bearer realm=...,service=...,scope=... sends us to the token service with
// the credentials) both work. Every response body is read or cancelled.
import type { TagDigest } from './views.ts';

export interface RegistryCredentials {
  username?: string;
  password?: string;
}

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A code more precise than the status gives, e.g. REGISTRY_NOT_A_REGISTRY. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];
const LIST_TYPES = new Set(MANIFEST_TYPES.slice(0, 2));
const TIMEOUT_MS = 15_000;
const MAX_PAGES = 100;

export class RegistryClient {
  private readonly base: string;
  private readonly tokens = new Map<string, string>();

  constructor(
    url: string,
    private readonly credentials: RegistryCredentials = {},
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /**
   * Checks the address and the credentials, and that a registry answers there: the v2 API root
   * says so in its Docker-Distribution-API-Version header or answers JSON (any web server
   * answers 200 to /v2/).
   */
  async ping(): Promise<void> {
    const response = await this.send('GET', '/v2/', 'registry:catalog:*');
    if (/^registry\/2/.test(response.headers.get('docker-distribution-api-version') ?? '')) {
      return drain(response);
    }
    await this.json(response);
  }

  async repositories(): Promise<string[]> {
    return this.paged(
      '/v2/_catalog?n=1000',
      'registry:catalog:*',
      (page: { repositories?: string[] }) => page.repositories ?? [],
    );
  }

  async tags(repository: string): Promise<string[]> {
    return this.paged(
      `/v2/${repositoryPath(repository)}/tags/list?n=1000`,
      `repository:${repository}:pull`,
      (page: { tags?: string[] | null }) => page.tags ?? [],
    );
  }

  /** The digest a pull of `repository:tag` resolves to, and the per-platform digests of a list. */
  async digest(repository: string, tag: string): Promise<TagDigest> {
    const scope = `repository:${repository}:pull`;
    const response = await this.send(
      'GET',
      `/v2/${repositoryPath(repository)}/manifests/${encodeURIComponent(tag)}`,
      scope,
      {
        accept: MANIFEST_TYPES.join(', '),
      },
    );
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
    const body = await response.text();
    const digest = response.headers.get('docker-content-digest') ?? (await sha256Digest(body));
    if (!LIST_TYPES.has(mediaType)) return { digest, mediaType };
    const list = this.parse(body) as {
      manifests: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[];
    };
    return {
      digest,
      mediaType,
      platforms: list.manifests.map((manifest) => ({
        os: manifest.platform?.os ?? 'unknown',
        architecture: manifest.platform?.architecture ?? 'unknown',
        ...(manifest.platform?.variant ? { variant: manifest.platform.variant } : {}),
        digest: manifest.digest,
      })),
    };
  }

  /**
   * The digest a pull of `repository:tag` resolves to, from a HEAD on the manifest: Docker Hub
   * does not count HEADs against its pull rate limit. Undefined when the registry sends no
   * Docker-Content-Digest header (then `digest` reads the manifest).
   */
  async headDigest(repository: string, tag: string): Promise<string | undefined> {
    const response = await this.send(
      'HEAD',
      `/v2/${repositoryPath(repository)}/manifests/${encodeURIComponent(tag)}`,
      `repository:${repository}:pull`,
      { accept: MANIFEST_TYPES.join(', ') },
    );
    await drain(response);
    return response.headers.get('docker-content-digest') ?? undefined;
  }

  private async paged<Page, Item>(
    first: string,
    scope: string,
    items: (page: Page) => Item[],
  ): Promise<Item[]> {
    const all: Item[] = [];
    let path: string | undefined = first;
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const response = await this.send('GET', path, scope);
      all.push(...items((await this.json(response)) as Page));
      // Link: </v2/_catalog?last=x&n=100>; rel="next"
      path = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return all;
  }

  /** A request that answers 2xx, after whatever authentication the registry asks for. */
  private async send(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = `${this.base}${path}`;
    const token = this.tokens.get(scope);
    let response = await this.fetch(method, url, { ...headers, ...this.authorization(token) });
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate') ?? '';
      await drain(response);
      const authorization = await this.answer(challenge, scope);
      response = await this.fetch(method, url, { ...headers, ...authorization });
    }
    if (!response.ok) {
      const text = await response.text();
      if (response.status === 429) {
        const wait = Number(response.headers.get('retry-after'));
        throw new RegistryError(
          429,
          `${this.base} asks to slow down (rate limit)${Number.isFinite(wait) && wait > 0 ? `; retry in ${wait} s` : ''}`,
        );
      }
      throw new RegistryError(response.status, describeFailure(response.status, text, this.base));
    }
    return response;
  }

  private authorization(token: string | undefined): Record<string, string> {
    if (token) return { authorization: `Bearer ${token}` };
    return {};
  }

  private async answer(challenge: string, scope: string): Promise<Record<string, string>> {
    const scheme = challenge.split(' ')[0]?.toLowerCase();
    if (scheme === 'basic') {
      if (!this.credentials.username) {
        throw new RegistryError(401, `${this.base} needs a user name and password`);
      }
      return { authorization: `Basic ${this.basic()}` };
    }
    if (scheme !== 'bearer')
      throw new RegistryError(
        401,
        `${this.base} asks for authentication Windflow does not know: ${challenge}`,
      );
    const parameters = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]),
    );
    if (!parameters.realm)
      throw new RegistryError(502, `${this.base} sent a Bearer challenge without a realm`);
    const tokenUrl = new URL(parameters.realm);
    if (parameters.service) tokenUrl.searchParams.set('service', parameters.service);
    tokenUrl.searchParams.set('scope', parameters.scope ?? scope);
    const response = await this.fetch(
      'GET',
      tokenUrl.toString(),
      this.credentials.username ? { authorization: `Basic ${this.basic()}` } : {},
    );
    if (!response.ok) {
      await drain(response);
      throw new RegistryError(
        401,
        response.status === 401
          ? `The token service of ${this.base} refused the credentials`
          : `The token service of ${this.base} answered ${response.status}`,
      );
    }
    const { token, access_token: accessToken } = (await this.json(response)) as {
      token?: string;
      access_token?: string;
    };
    const granted = token ?? accessToken;
    if (!granted) throw new RegistryError(502, `The token service of ${this.base} sent no token`);
    this.tokens.set(scope, granted);
    return { authorization: `Bearer ${granted}` };
  }

  /** A registry's JSON answer: an object, or a clear error instead of a parser's message. */
  private async json(response: Response): Promise<Record<string, unknown>> {
    return this.parse(await response.text());
  }

  private parse(text: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RegistryError(
        502,
        `${this.base} does not answer like a container registry (Docker Registry API v2)`,
        'REGISTRY_NOT_A_REGISTRY',
      );
    }
    return parsed as Record<string, unknown>;
  }

  private basic(): string {
    return Buffer.from(`${this.credentials.username ?? ''}:${this.credentials.password ?? ''}`).toString(
      'base64',
    );
  }

  private async fetch(method: string, url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, {
        method,
        headers,
        redirect: 'follow',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new RegistryError(502, `${new URL(url).host} did not answer: ${(error as Error).message}`);
    }
  }
}

function repositoryPath(repository: string): string {
  return repository.split('/').map(encodeURIComponent).join('/');
}

async function drain(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

async function sha256Digest(body: string): Promise<string> {
  return `sha256:${new Bun.CryptoHasher('sha256').update(body).digest('hex')}`;
}

function describeFailure(status: number, text: string, base: string): string {
  try {
    const { errors } = JSON.parse(text) as { errors?: { message?: string; code?: string }[] };
    const first = errors?.[0];
    if (first) return `${base}: ${first.message ?? first.code}`;
  } catch {
    // not the registry's JSON error shape
  }
  if (status === 401) return `${base} refused the credentials`;
  if (status === 404) return `${base} has no such repository or tag`;
  return `${base} answered ${status}`;
}
