// Access control by construction: every route declares `access` (a permission, 'authenticated'
// or 'public'), the check runs before its handler, and the app refuses to start if a route has
// no declaration (see assertEveryRouteDeclaresAccess).
import { Elysia } from 'elysia';
import type { Permission } from '../auth/permissions.ts';
import { can, type Principal } from '../auth/principal.ts';
import { HttpError } from './errors.ts';

export type Access = Permission | 'authenticated' | 'public';

/** Resolves the caller from the request; undefined for an anonymous one. */
export type PrincipalResolver = (request: Request) => Promise<Principal | undefined>;

export interface AccessOptions {
  resolvePrincipal: PrincipalResolver;
  /** The 401 to give anonymous callers (it differs before the first admin exists). */
  unauthenticated: () => Promise<HttpError>;
}

const DECLARED = Symbol('windflow.access');

type AccessCheck = ((context: { principal?: Principal; params?: unknown; route: string }) => void) & {
  [DECLARED]: Access;
};

export function accessControl(options: AccessOptions) {
  return new Elysia({ name: 'access-control' })
    .resolve({ as: 'global' }, async ({ request }) => ({
      principal: await options.resolvePrincipal(request),
    }))
    .macro({
      access: (access: Access) => ({
        beforeHandle: Object.assign(
          async ({
            principal,
            params,
            route,
          }: {
            principal?: Principal;
            params?: unknown;
            route: string;
          }) => {
            if (access === 'public') return;
            if (!principal) throw await options.unauthenticated();
            if (access === 'authenticated') return;
            const environmentId = environmentOf(route, params);
            if (!can(principal, access, environmentId)) {
              const where = environmentId === undefined ? '' : ` on environment ${environmentId}`;
              throw new HttpError(403, 'FORBIDDEN', `You need the ${access} permission${where}`);
            }
          },
          { [DECLARED]: access },
        ) as AccessCheck,
      }),
    });
}

export type AccessControl = ReturnType<typeof accessControl>;

/** Routes under /api/environments/:id act on that environment; grants may be scoped to it. */
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
  const hooks = (route.hooks ?? {}) as { beforeHandle?: unknown };
  const handlers = [hooks.beforeHandle ?? []].flat() as (
    | { fn?: unknown }
    | ((...args: unknown[]) => unknown)
  )[];
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
