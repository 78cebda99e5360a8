// `windflow serve`: open the store, make sure the local environment exists on first start, and
// answer HTTP until told to stop.

import type { Principal } from '../auth/principal.ts';
import { DockerClient } from '../docker/client.ts';
import { DockerClientPool } from '../environments/client-pool.ts';
import { accessControl } from '../http/access.ts';
import { createApp } from '../http/app.ts';
import { HttpError } from '../http/errors.ts';
import type { UiAssets } from '../http/ui-assets.ts';
import { EnvironmentStore } from '../store/environments.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openStore } from './store.ts';
import { VERSION } from './version.ts';

const LOCAL_ADMIN: Principal = {
  userId: 0,
  username: 'local',
  roles: [{ grants: ['*'], environmentId: null }],
  via: 'auth-off',
};

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  uiAssets: UiAssets,
): Promise<RunningServer> {
  const store = await openStore(config, logger);
  const environments = new EnvironmentStore(store.db, store.secrets);
  if (store.firstStart) await addLocalEnvironment(environments, config.dockerSocket, logger);

  const clients = new DockerClientPool(environments);
  // Until login exists every caller acts as the built-in admin; the default listen address
  // is loopback for that reason.
  const access = accessControl({
    resolvePrincipal: async () => LOCAL_ADMIN,
    unauthenticated: async () => new HttpError(401, 'UNAUTHENTICATED', 'Log in first'),
  });
  const app = createApp({ version: VERSION, logger, access, environments, clients, uiAssets });
  app.listen({ hostname: config.host, port: config.port });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.server?.port}`;
  logger.info('listening', { url, version: VERSION, database: store.db.dialect, dataDir: config.dataDir });

  return {
    url,
    async stop() {
      await app.stop();
      clients.closeAll();
      await store.db.close();
      logger.info('stopped');
    },
  };
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
