// The caller as sessions, the audit log and cookies see them, taken from the request's origin
// (request-origin.ts): behind a trusted proxy, the browser rather than the proxy.
import type { Server } from 'bun';
import type { ClientContext } from '../auth/authenticator.ts';
import { requestOrigin } from './request-origin.ts';

/** The caller's address and browser, for sessions and the audit log. */
export function clientContext(request: Request, server: Server<unknown> | null | undefined): ClientContext {
  return {
    sourceIp: requestOrigin(request, server).clientIp,
    userAgent: request.headers.get('user-agent') ?? '',
  };
}

/** Cookies get Secure when the browser reached Windflow over HTTPS (directly or via a trusted proxy). */
export function isHttps(request: Request): boolean {
  return requestOrigin(request).https;
}

/** A path of Windflow's as the browser must ask for it: under the proxy's prefix, if any. */
export function publicPath(request: Request, path: string): string {
  return `${requestOrigin(request).basePath}${path}`;
}

/** The absolute URL of one of Windflow's paths as the browser reaches it. */
export function publicUrl(request: Request, path: string): string {
  const origin = requestOrigin(request);
  return `${origin.https ? 'https' : 'http'}://${origin.host}${origin.basePath}${path}`;
}
