// The HTTP carrier isomorphic-git fetches through: Bun's fetch (connections pooled, TLS by the
// platform) with every response body counted, so a repository larger than the limit fails as
// REPOSITORY_TOO_LARGE while it downloads instead of after isomorphic-git has held it all in
// memory. The same limit wraps any other carrier (the SSH one) through `limitedHttp`.
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { HttpError } from '../http/errors.ts';

/** Thrown from inside a body iterator; isomorphic-git passes it through unchanged. */
export function repositoryTooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    'REPOSITORY_TOO_LARGE',
    `The repository sends more than ${Math.round(limit / (1024 * 1024))} MiB; Windflow's limit for one checkout (WINDFLOW_GIT_MAX_MIB) stops it`,
  );
}

export const fetchHttpClient: HttpClient = {
  async request(request: GitHttpRequest): Promise<GitHttpResponse> {
    const body = request.body ? await collect(request.body) : undefined;
    const response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body,
      signal: request.signal,
      redirect: 'follow',
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return {
      url: response.url || request.url,
      method: request.method,
      headers,
      body: response.body ? iterate(response.body) : undefined,
      statusCode: response.status,
      statusMessage: response.statusText,
    };
  },
};

/** `inner`, with all response bytes of one operation counted against `limit`. */
export function limitedHttp(inner: HttpClient, limit: number): HttpClient {
  let received = 0;
  return {
    async request(request) {
      const response = await inner.request(request);
      const body = response.body;
      if (!body) return response;
      return {
        ...response,
        body: (async function* () {
          for await (const chunk of body) {
            received += chunk.byteLength;
            if (received > limit) {
              await body.return?.(undefined);
              throw repositoryTooLarge(limit);
            }
            yield chunk;
          }
        })(),
      };
    },
  };
}

async function collect(chunks: AsyncIterableIterator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncIterableIterator<Uint8Array> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
