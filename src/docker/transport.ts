// How a Docker client reaches its daemon: the DockerTransport seam (requests, streams and
// hijacked connections), and its HTTP kind, one Bun.FetchSession per endpoint (unix socket,
// plain TCP, TLS or a standard agent): its keep-alive pool is the client's own and reuses a
// connection only once the previous answer's body is read to the end or cancelled. This module
// does that for every answer it does not hand over, errors and empty answers included. Edge
// agents implement the same seam over their tunnel (src/agents/edge-session.ts).
import {
  type DockerEndpoint,
  describeEndpoint,
  endpointHeaders,
  type HttpEndpoint,
  originOf,
  tlsOptions,
} from './endpoint.ts';
import {
  DockerApiError,
  DockerNotEngineError,
  DockerTimeoutError,
  DockerUnreachableError,
} from './errors.ts';
import { type HijackedConnection, type HijackRequest, hijack } from './hijack.ts';
import { dockerStatusOf } from './podman.ts';

export type QueryValue = string | number | boolean | undefined;

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's default. For streams it bounds only the wait for the answer's headers. */
  timeoutMs?: number;
}

export interface RequestOptions extends CallOptions {
  query?: Record<string, QueryValue>;
  /** JSON-encoded, unless it is already bytes or a stream (sent as a tar archive). */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Exchange = RequestOptions & { timeoutMs: number };

/** A request passed through as it came (the Engine API endpoint per environment). */
export interface ForwardRequest {
  method: string;
  /** Path and query, versioned or not, exactly as the caller sent them. */
  path: string;
  headers: Record<string, string>;
  body?: ReadableStream<Uint8Array> | Uint8Array;
  signal?: AbortSignal;
}

/**
 * Everything a DockerClient needs from the way to its daemon. Paths arrive versioned and
 * without their query; errors are DockerApiError (the daemon said no), DockerUnreachableError
 * or DockerTimeoutError, whatever carries them.
 */
export interface DockerTransport {
  requestJson<T>(method: string, path: string, options: Exchange): Promise<T>;
  /** The answer's body once its headers are in; see HttpTransport.openStream. */
  openStream(method: string, path: string, options: Exchange): Promise<ReadableStream<Uint8Array>>;
  /** An upgraded connection carrying a raw stream both ways (exec start, attach). */
  hijack(request: HijackRequest): Promise<HijackedConnection>;
  /** The daemon's answer, error statuses included, for passing through unchanged. */
  forward(request: ForwardRequest): Promise<Response>;
  /** Ends what the transport holds open; idle connections go. */
  close(): void;
}

/** One endpoint's HTTP connections: a keep-alive pool of their own that `close` empties. */
export class HttpTransport implements DockerTransport {
  private readonly session: Bun.FetchSession;
  private readonly headers: Record<string, string>;

  constructor(readonly endpoint: HttpEndpoint) {
    const tls = tlsOptions(endpoint);
    this.session = new Bun.FetchSession(
      endpoint.kind === 'unix' ? { unix: endpoint.socketPath } : tls ? { tls } : {},
    );
    this.headers = endpointHeaders(endpoint);
  }

  hijack(request: HijackRequest): Promise<HijackedConnection> {
    return hijack(this.endpoint, request);
  }

  forward(request: ForwardRequest): Promise<Response> {
    return this.session
      .fetch(`${originOf(this.endpoint)}${request.path}`, {
        method: request.method,
        headers: { ...request.headers, ...this.headers },
        body: request.body as RequestInit['body'],
        signal: request.signal,
        redirect: 'manual',
      })
      .catch((error: unknown) => {
        if (request.signal?.aborted) throw request.signal.reason;
        throw unreachableError(this.endpoint, error);
      });
  }

  /** The answer as `answerBody` reads it. */
  async requestJson<T>(method: string, path: string, options: Exchange): Promise<T> {
    const { text, type } = await this.withDeadline(method, path, options, async (signal) => {
      const response = await this.send(method, path, options, signal);
      return { text: await response.text(), type: response.headers.get('content-type') };
    });
    try {
      return answerBody<T>(text, type);
    } catch {
      throw notEngineError(this.endpoint, 'its JSON does not parse');
    }
  }

  /**
   * The answer's body as a stream, once its headers are in. The stream has no deadline; it
   * ends when the daemon ends it, when it is cancelled, or when `signal` aborts (reads then
   * reject with the signal's reason). Whoever gets it must read it to the end or cancel it.
   */
  openStream(method: string, path: string, options: Exchange): Promise<ReadableStream<Uint8Array>> {
    return this.withDeadline(method, path, options, async (signal, stopDeadline) => {
      const response = await this.send(method, path, options, signal);
      stopDeadline();
      return response.body ?? new ReadableStream({ start: (controller) => controller.close() });
    });
  }

  /** Closes the idle pooled connections; requests in flight finish. */
  close(): void {
    this.session.close();
  }

  /**
   * Runs `work` under a deadline joined with the caller's signal, and turns transport
   * failures into Docker errors; a caller's abort keeps the caller's reason.
   */
  private async withDeadline<T>(
    method: string,
    path: string,
    options: Exchange,
    work: (signal: AbortSignal, stopDeadline: () => void) => Promise<T>,
  ): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    try {
      return await work(signal, () => clearTimeout(timer));
    } catch (error) {
      if (error instanceof DockerApiError) throw error;
      if (options.signal?.aborted) throw options.signal.reason;
      if (deadline.signal.aborted) throw timeoutError(this.endpoint, method, path);
      throw unreachableError(this.endpoint, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends the request; an error status is read to the end and thrown as DockerApiError. */
  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    signal: AbortSignal,
  ): Promise<Response> {
    const { body, contentType } = encodeBody(options.body);
    const response = await this.session.fetch(buildUrl(this.endpoint, path, options.query), {
      method,
      body,
      signal,
      // The daemon answers a path that cleans to another one (`x%2F..%2Finfo`) with a redirect
      // to it: following that would let a crafted id reach a different endpoint.
      redirect: 'manual',
      headers: {
        ...(contentType ? { 'content-type': contentType } : {}),
        ...options.headers,
        ...this.headers,
      },
    });
    // 304 is the daemon's "already so" (starting a running container): not an error.
    if (response.ok || response.status === 304) return response;
    throw apiError(response.status, await response.text());
  }
}

export function buildUrl(endpoint: HttpEndpoint, path: string, query?: Record<string, QueryValue>): string {
  return `${originOf(endpoint)}${pathWithQuery(path, query)}`;
}

/** The path with its query string; booleans as the daemon reads them (1 and 0). */
export function pathWithQuery(path: string, query?: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined)
      search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  const queryString = search.toString();
  return `${path}${queryString ? `?${queryString}` : ''}`;
}

export function unreachableError(endpoint: DockerEndpoint, cause: unknown): DockerUnreachableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | undefined)?.code;
  const suffix = typeof code === 'string' && !reason.includes(code) ? ` (${code})` : '';
  return new DockerUnreachableError(
    `Cannot connect to Docker at ${describeEndpoint(endpoint)}: ${reason}${suffix}`,
  );
}

export function notEngineError(endpoint: DockerEndpoint, why: string): DockerNotEngineError {
  return new DockerNotEngineError(`${describeEndpoint(endpoint)} is not a Docker Engine API (${why})`);
}

export function timeoutError(endpoint: DockerEndpoint, method: string, path: string): DockerTimeoutError {
  return new DockerTimeoutError(
    `Docker at ${describeEndpoint(endpoint)} did not answer ${method} ${path} in time`,
  );
}

/**
 * A JSON answer parsed, a text answer as text, an empty one (204, 304) as undefined. An answer
 * without a content type (Podman's one-shot stats) is JSON when it looks like JSON.
 */
export function answerBody<T>(text: string, contentType: string | null | undefined): T {
  if (!text) return undefined as T;
  if (contentType?.includes('json')) return JSON.parse(text) as T;
  if (!contentType && /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }
  return text as T;
}

const PLAIN_HTTP_TO_TLS = 'Client sent an HTTP request to an HTTPS server.';

/**
 * The daemon's `{"message": ...}`. Anything else (a proxy, or not a Docker Engine at all) is
 * named by its status only: its text is not the daemon's, and is not echoed.
 */
export function apiError(status: number, text: string): DockerApiError {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; cause?: unknown };
    if (typeof parsed.message === 'string')
      return new DockerApiError(dockerStatusOf(status, parsed.cause), parsed.message);
  } catch {
    // not the daemon's JSON
  }
  // Go's own answer to plain HTTP on a TLS port says what to fix.
  if (text.trim() === PLAIN_HTTP_TO_TLS) return new DockerApiError(status, PLAIN_HTTP_TO_TLS);
  return new DockerApiError(status, `The endpoint answered HTTP ${status} without a Docker error message`);
}

export function encodeBody(body: unknown): { body?: RequestInit['body']; contentType?: string } {
  if (body === undefined) return {};
  if (body instanceof ReadableStream || body instanceof Uint8Array || body instanceof Blob) {
    return { body: body as RequestInit['body'], contentType: 'application/x-tar' };
  }
  return { body: JSON.stringify(body), contentType: 'application/json' };
}
