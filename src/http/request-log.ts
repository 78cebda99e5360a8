// One line per request at the debug level (--log-level debug): method, path, status, duration
// and who asked, to follow what a client did. At the default level nothing is gathered; failed
// logins and unexpected errors have lines of their own at warn and error.
import { Elysia } from 'elysia';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../daemon/logger.ts';

export function requestLog(logger: Logger) {
  const plugin = new Elysia({ name: 'request-log' });
  if (!logger.enabled('debug')) return plugin;
  const started = new WeakMap<Request, number>();
  return plugin
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, (context) => {
      const { request, set } = context;
      const principal = (context as { principal?: Principal }).principal;
      logger.debug('request', {
        method: request.method,
        path: new URL(request.url).pathname,
        status: typeof set.status === 'number' ? set.status : 200,
        ms: Math.round((performance.now() - (started.get(request) ?? performance.now())) * 10) / 10,
        user: principal?.username ?? null,
      });
    });
}
