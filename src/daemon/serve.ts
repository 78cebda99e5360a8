// `windflow serve`: open the store, make sure the built-in roles and (on first start) the local
// environment exist, and answer HTTP until told to stop.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '../auth/principal.ts';
import { DockerClient } from '../docker/client.ts';
import { accessControl } from '../http/access.ts';
import { createApp } from '../http/app.ts';
import { MAX_REQUEST_BODY_BYTES } from '../http/body-limits.ts';
import { HttpError } from '../http/errors.ts';
import { serveBehindFrontDoor } from '../http/front-door.ts';
import type { UiAssets } from '../http/ui-assets.ts';
import { scheduleAuditRetention } from '../jobs/audit-retention.ts';
import { ensureHistorySchedule } from '../monitoring/history-schedule.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import { SettingsStore } from '../store/settings.ts';
import { type Config, DEFAULT_GIT_MAX_MIB, DEFAULT_METRICS_INTERVAL } from './config.ts';
import type { Logger } from './logger.ts';
import { createServices, type Services } from './services.ts';
import { openStore } from './store.ts';
import { VERSION } from './version.ts';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** With WINDFLOW_AUTH=off every caller acts as this admin. */
const TRUSTED_LOCAL_ADMIN: Principal = {
  userId: 0,
  username: 'local-admin',
  roles: [{ grants: ['*'], environmentId: null }],
  via: 'auth-off',
  csrfValid: true,
};

export async function startServer(
  config: Config,
  logger: Logger,
  uiAssets: UiAssets,
  helperImageArchive?: string,
): Promise<RunningServer> {
  const tls = config.tls && readTlsMaterial(config.tls);
  const store = await openStore(config, logger);
  const services = createServices(store, {
    helperImage: config.helperImage,
    helperImageArchive,
    installationId: await new SettingsStore(store.db).installationId(),
    logger,
    stacksDir: join(config.dataDir, 'stacks'),
    dataDir: config.dataDir,
    metricsIntervalMs: (config.metricsIntervalSeconds ?? DEFAULT_METRICS_INTERVAL) * 1000,
    gitMaxBytes: (config.gitMaxMib ?? DEFAULT_GIT_MAX_MIB) * 1024 * 1024,
  });
  const interrupted = await services.jobs.recover();
  if (interrupted.length > 0)
    logger.warn('jobs the previous run left running are marked interrupted', {
      jobs: interrupted.map((job) => `${job.kind} ${job.target} (${job.id})`),
    });
  const abandoned = await services.stackService.abandonInterrupted();
  if (abandoned > 0)
    logger.warn('stack deploys interrupted by the last stop were marked failed', { abandoned });
  await services.agentStore.markAllDisconnected();
  await services.roles.ensureBuiltinRoles();
  if (store.firstStart) await addLocalEnvironment(services.environments, config.dockerSocket, logger);
  if (!config.auth) {
    logger.warn('AUTHENTICATION IS OFF (WINDFLOW_AUTH=off): anyone who reaches this port controls Docker', {
      host: config.host,
    });
  }

  void removeLeftoverHelpers(services, logger);
  const retention = scheduleAuditRetention(services.audit, services.settings, logger);
  await services.notifier.start();
  await services.scheduler.start();
  await services.alerts.start();
  services.eventHistory.start();
  await services.engineEvents.start();
  await ensureHistorySchedule(services.scheduler, await services.schedules.list());
  services.collector.start();
  const app = createApp({
    ...services,
    version: VERSION,
    logger,
    access: accessFor(config.auth, services),
    uiAssets,
    proxy: { basePath: config.basePath, trustedProxies: config.trustedProxies },
  });
  // Bun refuses bodies over this itself; each route's own, smaller limit is in body-limits.ts.
  const listener = serveBehindFrontDoor(app, {
    hostname: config.host,
    port: config.port,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
    ...(tls ? { tls } : {}),
  });
  // Notifications must not reach Windflow itself, on either port.
  services.listeningPorts.push(listener.port, listener.innerPort);
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${listener.port}`;
  logger.info('listening', {
    url,
    version: VERSION,
    database: store.db.dialect,
    dataDir: config.dataDir,
    ...(config.basePath ? { basePath: config.basePath } : {}),
    ...(config.trustedProxies.length ? { trustedProxies: config.trustedProxies } : {}),
  });

  return {
    url,
    async stop() {
      retention.stop();
      await services.collector.stop();
      services.agents.close();
      // Open streams (logs, events, job progress followed through a proxy) would hold the stop.
      await listener.stop();
      services.engineEvents.stop();
      await services.alerts.stop();
      await services.eventHistory.stop();
      await services.scheduler.stop();
      await services.notifier.stop();
      await services.jobs.close();
      await services.volumeHelpers.close();
      services.clients.closeAll();
      await services.tokens.flush();
      await services.audit.flush();
      await store.db.close();
      logger.info('stopped');
    },
  };
}

/** The certificate and key, read before anything starts, so a wrong path fails with its reason. */
function readTlsMaterial({ certFile, keyFile }: NonNullable<Config['tls']>): { cert: string; key: string } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
    }
  };
  return { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
}

export function accessFor(auth: boolean, { authenticator }: Pick<Services, 'authenticator'>) {
  return accessControl({
    resolvePrincipal: auth
      ? (request) => authenticator.resolvePrincipal(request)
      : async () => TRUSTED_LOCAL_ADMIN,
    unauthenticated: async () =>
      (await authenticator.setupRequired())
        ? new HttpError(401, 'SETUP_REQUIRED', 'Create the first admin account first')
        : new HttpError(401, 'UNAUTHENTICATED', 'Log in first'),
  });
}

/** Volume helper containers a previous run left behind (a crash, a kill -9) go at start-up. */
async function removeLeftoverHelpers(
  { environments, clients, volumeHelpers }: Services,
  logger: Logger,
): Promise<void> {
  for (const environment of await environments.list()) {
    try {
      const removed = await volumeHelpers.removeLeftovers(await clients.clientFor(environment));
      if (removed > 0)
        logger.info('removed leftover volume helpers', { environment: environment.name, removed });
    } catch (error) {
      logger.debug('could not look for leftover volume helpers', { environment: environment.name, error });
    }
  }
}

async function addLocalEnvironment(environments: EnvironmentStore, socketPath: string, logger: Logger) {
  const probe = new DockerClient({ kind: 'unix', socketPath }, { timeoutMs: 3000 });
  try {
    await probe.ping();
  } catch (error) {
    logger.info('no local Docker socket answered; add environments in the UI', { socketPath, error });
    return;
  } finally {
    probe.close();
  }
  await environments.create({ name: 'local', type: 'local-socket', address: socketPath, labels: {} });
  logger.info('added the local environment', { socketPath });
}
