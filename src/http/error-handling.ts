import { Elysia } from 'elysia';
import { AuthError } from '../auth/errors.ts';
import type { Logger } from '../daemon/logger.ts';
import { describeError } from './errors.ts';

/** Turns every thrown error into the JSON {code, message} answer; logs only the unexpected. */
export function errorHandling(logger: Logger) {
  return new Elysia({ name: 'error-handling' }).onError({ as: 'global' }, ({ error, request, set }) => {
    const { status, body, unexpected } = describeError(error);
    if (unexpected) logger.error('request failed', { method: request.method, url: request.url, error });
    set.status = status;
    set.headers['content-type'] = 'application/json';
    if (error instanceof AuthError && error.retryAfterMs)
      set.headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
    return body;
  });
}
