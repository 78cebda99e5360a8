// HTTP to the daemon through Bun's fetch: unix sockets via `unix`, TLS via `tls`. Bun keeps
// connections alive and reuses them per origin. Every answer body is read or cancelled.
import { type DockerEndpoint, describeEndpoint, hostPort } from './endpoint.ts';
import { DockerApiError, DockerTimeoutError, DockerUnreachableError } from './errors.ts';

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** JSON-encoded unless it is a stream or bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** For streams, how long to wait for the answer's headers. */
  timeoutMs?: number;
}

export function buildUrl(endpoint: DockerEndpoint, path: string, query?: Record<string, QueryValue>): string {
  const origin =
    endpoint.kind === 'unix'
      ? 'http://docker'
      : `${endpoint.kind === 'tcp-tls' ? 'https' : 'http'}://${hostPort(endpoint)}`;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined)
      search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  const queryString = search.toString();
  return `${origin}${path}${queryString ? `?${queryString}` : ''}`;
}

export function encodeBody(body: unknown): { body?: RequestInit['body']; contentType?: string } {
  if (body === undefined) return {};
  if (
    body instanceof ReadableStream ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    body instanceof Blob
  ) {
    return { body: body as RequestInit['body'], contentType: 'application/x-tar' };
  }
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

/**
 * Sends one request and hands the OK answer to `consume`. With `timeBody` the timeout covers
 * reading the body too (JSON answers); without it, only the wait for the headers (streams,
 * which then run until they end or the caller's signal aborts). Error answers are read and
 * thrown as DockerApiError.
 */
export async function exchange<T>(
  endpoint: DockerEndpoint,
  method: string,
  path: string,
  options: RequestOptions & { timeoutMs: number; timeBody: boolean },
  consume: (response: Response) => Promise<T>,
): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  const { body, contentType } = encodeBody(options.body);
  const what = `${method} ${path}`;
  try {
    const response = await fetch(buildUrl(endpoint, path, options.query), {
      method,
      body,
      signal,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...options.headers },
      ...transportOptions(endpoint),
    } as RequestInit);
    if (!response.ok) throw await readApiError(response);
    if (!options.timeBody) clearTimeout(timer);
    return await consume(response);
  } catch (error) {
    if (error instanceof DockerApiError) throw error;
    throw translateFailure(error, endpoint, timeout.signal, options.signal, what);
  } finally {
    clearTimeout(timer);
  }
}

export function transportOptions(endpoint: DockerEndpoint): Record<string, unknown> {
  if (endpoint.kind === 'unix') return { unix: endpoint.socketPath };
  if (endpoint.kind === 'tcp-tls') {
    return {
      tls: { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key, rejectUnauthorized: true },
    };
  }
  return {};
}

async function readApiError(response: Response): Promise<DockerApiError> {
  const text = await response.text().catch(() => '');
  let message = text.trim() || response.statusText || `HTTP ${response.status}`;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON (a proxy in front of the daemon, say): keep the text.
  }
  return new DockerApiError(response.status, message);
}

export function translateFailure(
  error: unknown,
  endpoint: DockerEndpoint,
  timeoutSignal: AbortSignal,
  callerSignal: AbortSignal | undefined,
  what: string,
): Error {
  if (callerSignal?.aborted)
    return callerSignal.reason instanceof Error
      ? callerSignal.reason
      : new DOMException('aborted', 'AbortError');
  if (timeoutSignal.aborted)
    return new DockerTimeoutError(`Docker at ${describeEndpoint(endpoint)} did not answer ${what} in time`);
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return new DockerUnreachableError(
    `Cannot connect to Docker at ${describeEndpoint(endpoint)}: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`,
  );
}
