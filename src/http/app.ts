// The HTTP application: error shape, OpenAPI document, API routes and the UI.
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import type { Logger } from '../daemon/logger.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import { type AccessControl, assertEveryRouteDeclaresAccess } from './access.ts';
import { errorHandling } from './error-handling.ts';
import { engineRoutes } from './routes/engine.ts';
import { environmentRoutes } from './routes/environments.ts';
import { healthRoutes } from './routes/health.ts';
import { uiRoutes } from './ui.ts';
import type { UiAssets } from './ui-assets.ts';

export interface AppDeps {
  version: string;
  logger: Logger;
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  uiAssets: UiAssets;
}

export function createApp(deps: AppDeps) {
  const { logger } = deps;
  const app = new Elysia()
    .use(errorHandling(logger))
    .use(
      openapi({
        path: '/api/docs',
        specPath: '/api/openapi.json',
        provider: null,
        documentation: {
          info: {
            title: 'Windflow API',
            version: deps.version,
            description: 'Manage Docker environments. Errors are JSON {code, message}.',
          },
        },
      }),
    )
    .use(healthRoutes(deps))
    .use(environmentRoutes(deps))
    .use(engineRoutes(deps))
    .use(uiRoutes(deps));
  assertEveryRouteDeclaresAccess(app.routes);
  return app;
}

export type App = ReturnType<typeof createApp>;
