// Route plugins under test, mounted the way the app mounts them: JSON errors, access control
// and body limits, with the caller fixed by the test. Call them with ApiSession.forApp(app).
import { Elysia } from 'elysia';
import type { Principal } from '../auth/principal.ts';
import { createLogger } from '../daemon/logger.ts';
import { accessControl } from '../http/access.ts';
import { bodyLimits } from '../http/body-limits.ts';
import { errorHandling } from '../http/error-handling.ts';
import { HttpError } from '../http/errors.ts';

export const TEST_ADMIN: Principal = {
  userId: 1,
  username: 'admin',
  roles: [{ grants: ['*'], environmentId: null }],
  via: 'session',
  csrfValid: true,
};

export function accessAs(principal: Principal | undefined) {
  return accessControl({
    resolvePrincipal: async () => principal,
    unauthenticated: async () => new HttpError(401, 'UNAUTHENTICATED', 'Log in first'),
  });
}

/** `build` gets the access plugin to `.use()`, as route factories do. */
export function testApp(
  build: (access: ReturnType<typeof accessAs>) => Elysia,
  principal: Principal | undefined = TEST_ADMIN,
) {
  const access = accessAs(principal);
  const limits = bodyLimits(access);
  const app = new Elysia()
    .use(errorHandling(createLogger('error')))
    .use(access)
    .use(limits)
    .use(build(access));
  limits.learnRoutes(app.routes);
  return app;
}
