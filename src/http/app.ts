// The HTTP application: the request log, error shape, security headers, access control, body
// limits, the audit trail, the OpenAPI document, the API routes and the UI.
import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import type { Logger } from '../daemon/logger.ts';
import type { Services } from '../daemon/services.ts';
import { type Access, type AccessControl, assertEveryRouteDeclaresAccess, declaredAccess } from './access.ts';
import { auditTrail } from './audit-trail.ts';
import { assertBodyLimitsNameRoutes, bodyLimits } from './body-limits.ts';
import { errorHandling } from './error-handling.ts';
import { requestLog } from './request-log.ts';
import { requestOrigins } from './request-origin.ts';
import { agentConnectRoutes } from './routes/agent-connect.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { authProviderRoutes } from './routes/auth-providers.ts';
import { containerStreamRoutes } from './routes/container-streams.ts';
import { containerRoutes } from './routes/containers.ts';
import { dockerApiRoutes } from './routes/docker-api.ts';
import { engineRoutes } from './routes/engine.ts';
import { environmentRoutes } from './routes/environments.ts';
import { gitRoutes } from './routes/git.ts';
import { healthRoutes } from './routes/health.ts';
import { imageRoutes } from './routes/images.ts';
import { jobRoutes } from './routes/jobs.ts';
import { monitoringRoutes } from './routes/monitoring.ts';
import { networkRoutes } from './routes/networks.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { registryRoutes } from './routes/registries.ts';
import { scanRoutes } from './routes/scans.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { settingsRoutes } from './routes/settings.ts';
import { stackRoutes } from './routes/stacks.ts';
import { systemRoutes } from './routes/system.ts';
import { terminalRoutes } from './routes/terminal.ts';
import { updateRoutes } from './routes/updates.ts';
import { userRoutes } from './routes/users.ts';
import { volumeRoutes } from './routes/volumes.ts';
import { securityHeaders } from './security-headers.ts';
import { uiRoutes } from './ui.ts';
import type { UiAssets } from './ui-assets.ts';

export interface AppDeps extends Services {
  version: string;
  logger: Logger;
  access: AccessControl;
  uiAssets: UiAssets;
  /** How a reverse proxy publishes Windflow: its path prefix and the proxies' addresses. */
  proxy: { basePath: string; trustedProxies: readonly string[] };
}

export function createApp(deps: AppDeps) {
  const accessByRoute = new Map<string, Access | undefined>();
  const limits = bodyLimits(deps.access);
  // Alerts and monitoring as one plugin: chained one by one, the app's type goes past the depth
  // TypeScript instantiates.
  const monitoring = new Elysia({ name: 'monitoring-routes' })
    .use(alertRoutes(deps))
    .use(monitoringRoutes(deps));
  const app = new Elysia()
    .use(requestOrigins(deps.proxy))
    .use(requestLog(deps.logger))
    .use(
      auditTrail(
        deps.audit,
        (method, route) => accessByRoute.get(`${method} ${route}`),
        deps.access.principalOf,
      ),
    )
    .use(errorHandling(deps.logger))
    .use(securityHeaders())
    .use(deps.access)
    .use(limits)
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
    .use(authRoutes(deps))
    .use(authProviderRoutes(deps))
    .use(userRoutes(deps))
    .use(auditRoutes(deps))
    .use(settingsRoutes(deps))
    .use(environmentsAndAgents(deps))
    .use(engineRoutes(deps))
    .use(containerRoutes(deps))
    .use(containerStreamRoutes(deps))
    .use(terminalRoutes(deps))
    .use(imageRoutes(deps))
    .use(jobRoutes(deps))
    .use(registryRoutes(deps))
    .use(volumeRoutes(deps))
    .use(networkRoutes(deps))
    // Stacks and Git stacks as one plugin: one more link in this chain passes TypeScript's depth limit.
    .use(new Elysia().use(stackRoutes(deps)).use(gitRoutes(deps)))
    .use(systemRoutes(deps))
    .use(scheduleRoutes(deps))
    .use(notificationRoutes(deps))
    // Updates and scans as one plugin: one more link in this chain is more than TypeScript follows.
    .use(new Elysia().use(updateRoutes(deps)).use(scanRoutes(deps)))
    .use(monitoring)
    .use(uiRoutes(deps));
  assertEveryRouteDeclaresAccess(app.routes);
  assertBodyLimitsNameRoutes(app.routes);
  limits.learnRoutes(app.routes);
  for (const route of app.routes) accessByRoute.set(`${route.method} ${route.path}`, declaredAccess(route));
  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * The environments, their agents' endpoint and each one's Engine API, as one group: the app's
 * chain of groups is as long as the type checker will instantiate.
 */
function environmentsAndAgents(deps: AppDeps) {
  return new Elysia().use(environmentRoutes(deps)).use(agentConnectRoutes(deps)).use(dockerApiRoutes(deps));
}
