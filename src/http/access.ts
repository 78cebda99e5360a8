// Access control by construction: every route declares `access` (a permission, 'account' for
// managing one's own account, 'authenticated' or 'public'), the check runs before validation and
// the handler, and the app refuses to start if a route has no declaration (see
// assertEveryRouteDeclaresAccess).
import { Elysia } from 'elysia';
import { CSRF_HEADER } from '../auth/authenticator.ts';
import type { Permission } from '../auth/permissions.ts';
import { can, canManageAccount, canOnSomeEnvironment, type Principal } from '../auth/principal.ts';
import { HttpError } from './errors.ts';
import { requestOrigin } from './request-origin.ts';

/**
 * 'account': the caller's own tokens, sessions, password and second factor. A session may; an
 * API token only with the `account` scope, so a narrow token cannot mint or revoke credentials.
 */
export type Access = Permission | 'account' | 'authenticated' | 'public';

/** Resolves the caller from the request; undefined for an anonymous one. */
export type PrincipalResolver = (request: Request) => Promise<Principal | undefined>;

export interface AccessOptions {
  resolvePrincipal: PrincipalResolver;
  /** The 401 to give anonymous callers (it differs before the first admin exists). */
  unauthenticated: () => Promise<HttpError>;
}

const DECLARED = Symbol('windflow.access');

interface CheckContext {
  principal?: Principal;
  params?: unknown;
  route: string;
  request: Request;
}

type AccessCheck = ((context: CheckContext) => Promise<void>) & { [DECLARED]: Access };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function accessControl(options: AccessOptions) {
  // One lookup per request, whoever asks first: the body limits (before the body is read), the
  // derive below, or the audit trail for a request that failed before its hooks ran.
  const principals = new WeakMap<Request, Promise<Principal | undefined>>();
  const principalOf = (request: Request): Promise<Principal | undefined> => {
    let principal = principals.get(request);
    if (!principal) {
      principal = options.resolvePrincipal(request);
      principals.set(request, principal);
    }
    return principal;
  };

  const check = async (access: Access, { principal, params, route, request }: CheckContext) => {
    if (access === 'public') return;
    if (!principal) throw await options.unauthenticated();
    if (!principal.csrfValid && !SAFE_METHODS.has(request.method)) {
      throw new HttpError(
        403,
        'CSRF_TOKEN_INVALID',
        `Send the ${CSRF_HEADER} header that came with your session`,
      );
    }
    if (access === 'authenticated') return;
    if (access === 'account') {
      if (canManageAccount(principal)) return;
      throw new HttpError(
        403,
        'ACCOUNT_SCOPE_REQUIRED',
        'Managing your account needs a logged-in session or a token with the account scope',
      );
    }
    if (principal.mfaEnrolmentRequired) {
      throw new HttpError(403, 'MFA_ENROLMENT_REQUIRED', 'Set up a second factor on your profile page first');
    }
    const environmentId = environmentOf(route, params);
    const allowed = choosesEnvironmentItself(route)
      ? canOnSomeEnvironment(principal, access)
      : can(principal, access, environmentId);
    if (!allowed) {
      const where = environmentId === undefined ? '' : ` on environment ${environmentId}`;
      throw new HttpError(403, 'FORBIDDEN', `You need the ${access} permission${where}`);
    }
  };

  const plugin = new Elysia({ name: 'access-control' })
    .onRequest(({ request }) => {
      // A WebSocket handshake is a GET, and browsers send cookies with it to other ports of
      // the same host: it opens a terminal, so it is held to the same rule as a change.
      const changes = !SAFE_METHODS.has(request.method) || isWebSocketUpgrade(request);
      if (changes && isCrossOrigin(request)) {
        throw new HttpError(
          403,
          'CROSS_ORIGIN_REQUEST',
          'Requests that change things must come from Windflow itself',
        );
      }
    })
    // derive and transform run before validation, so an anonymous or unauthorized caller learns
    // nothing from validation errors.
    .derive({ as: 'global' }, async ({ request }) => ({ principal: await principalOf(request) }))
    .macro({
      access: (access: Access) => ({
        transform: Object.assign((context: CheckContext) => check(access, context), {
          [DECLARED]: access,
        }) as AccessCheck,
      }),
    });
  return Object.assign(plugin, {
    /** Who sent a request, also one that failed before its hooks ran (the audit trail asks). */
    principalOf,
    /**
     * The route's check, for what runs before the derive (the body limits, before reading a
     * body): puts the caller on `context`, as the derive would (the audit trail names them
     * then), and throws the 401 or 403 the route would answer.
     */
    admit: async (access: Access, context: Omit<CheckContext, 'principal'> & { principal?: unknown }) => {
      const principal = await principalOf(context.request);
      context.principal = principal;
      await check(access, { ...context, principal });
    },
  });
}

export type AccessControl = ReturnType<typeof accessControl>;

const isWebSocketUpgrade = (request: Request) =>
  request.headers.get('upgrade')?.toLowerCase() === 'websocket';

/** A browser's Origin header naming another site than the one asked (through a proxy: its host). */
function isCrossOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== requestOrigin(request).host;
  } catch {
    return true;
  }
}

/** Routes under /api/environments/:id act on that environment; grants may be scoped to it. */
/**
 * Routes about objects of several environments (alert rules and alerts, each on one environment
 * or on all; the monitoring overview and the events history, across environments): they admit whoever holds the permission on some environment, and their handlers
 * check it on the environment of each object they touch and filter what they list.
 */
const ENVIRONMENT_CHOSEN_BY_HANDLER = ['/api/alerts', '/api/monitoring', '/api/events'];

function choosesEnvironmentItself(route: string): boolean {
  return ENVIRONMENT_CHOSEN_BY_HANDLER.some((prefix) => route === prefix || route.startsWith(`${prefix}/`));
}

function environmentOf(route: string, params: unknown): number | undefined {
  if (!route.startsWith('/api/environments/:id')) return undefined;
  const id = Number((params as { id?: unknown } | undefined)?.id);
  return Number.isInteger(id) ? id : undefined;
}

interface RouteLike {
  method: string;
  path: string;
  hooks?: unknown;
}

export function declaredAccess(route: RouteLike): Access | undefined {
  const hooks = (route.hooks ?? {}) as { transform?: unknown };
  const handlers = [hooks.transform ?? []].flat() as ({ fn?: unknown } | ((...args: unknown[]) => unknown))[];
  for (const handler of handlers) {
    const fn = (typeof handler === 'function' ? handler : handler.fn) as Partial<AccessCheck> | undefined;
    if (fn?.[DECLARED]) return fn[DECLARED];
  }
  return undefined;
}

/** The OpenAPI plugin's own routes are public by nature; everything else must declare. */
const IMPLICITLY_PUBLIC = ['/api/openapi.json', '/api/docs'];

export function assertEveryRouteDeclaresAccess(routes: readonly RouteLike[]): void {
  const undeclared = routes.filter(
    (route) => !IMPLICITLY_PUBLIC.includes(route.path) && declaredAccess(route) === undefined,
  );
  if (undeclared.length > 0) {
    throw new Error(
      `routes without an access declaration: ${undeclared.map((route) => `${route.method} ${route.path}`).join(', ')}`,
    );
  }
}
