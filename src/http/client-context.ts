import type { Server } from 'bun';
import type { ClientContext } from '../auth/authenticator.ts';

/** The caller's address and browser, for sessions and the audit log. */
export function clientContext(request: Request, server: Server<unknown> | null | undefined): ClientContext {
  return {
    sourceIp: server?.requestIP(request)?.address ?? '',
    userAgent: request.headers.get('user-agent') ?? '',
  };
}

/** Cookies get Secure when the browser reached Windflow over HTTPS (directly or via a proxy). */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
}
