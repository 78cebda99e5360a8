// The whole app in process with a real store (SQLite in a temporary directory) and the real
// authenticator, for API tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../daemon/logger.ts';
import { accessFor } from '../daemon/serve.ts';
import { createServices, type ServiceOptions, type Services } from '../daemon/services.ts';
import { openStore } from '../daemon/store.ts';
import { type App, createApp } from '../http/app.ts';
import type { Database } from '../store/database.ts';
import { ApiSession } from './session.ts';
import { testbed } from './testbed.ts';

export interface TestApp {
  app: App;
  db: Database;
  services: Services;
  /** A new anonymous caller. */
  session(): ApiSession;
  close(): Promise<void>;
}

export async function startTestApp({
  databaseUrl,
  ...options
}: ServiceOptions & { databaseUrl?: string } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'windflow-app-'));
  const logger = createLogger('error');
  const config = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    databaseUrl: databaseUrl ?? '',
    logLevel: 'error' as const,
    dockerSocket: testbed().dockerSocket,
    auth: true,
    basePath: '',
    trustedProxies: [],
    helperImage: testbed().images.busybox,
  };
  const store = await openStore(config, logger);
  const services = createServices(store, { helperImage: config.helperImage, dataDir, ...options });
  await services.roles.ensureBuiltinRoles();
  const app = createApp({
    ...services,
    version: '9.9.9-test',
    logger,
    access: accessFor(true, services),
    uiAssets: new Map(),
    proxy: { basePath: '', trustedProxies: [] },
  });
  return {
    app,
    db: store.db,
    services,
    session: () => ApiSession.forApp(app),
    async close() {
      await services.collector.stop();
      services.engineEvents.stop();
      await services.eventHistory.stop();
      await services.jobs.close();
      services.clients.closeAll();
      await services.tokens.flush();
      await services.audit.flush();
      await store.db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
