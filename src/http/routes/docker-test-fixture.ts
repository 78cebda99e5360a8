// For the volume, network and system route tests: a real store in a temporary directory with
// the test bed's daemon registered as an environment, a client for checking what the routes did,
// and a way to run a script in a throwaway busybox container.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyElysia, Elysia } from 'elysia';
import type { Principal } from '../../auth/principal.ts';
import { createLogger } from '../../daemon/logger.ts';
import { createServices, type ServiceOptions, type Services } from '../../daemon/services.ts';
import { openStore } from '../../daemon/store.ts';
import { DockerClient } from '../../docker/client.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { JobRegistry } from '../../jobs/job-registry.ts';
import type { NotificationEventType } from '../../notifications/events.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { Database } from '../../store/database.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { RegistryStore } from '../../store/registries.ts';
import type { SecretBox } from '../../store/secret-box.ts';
import type { TestEngine } from '../../testing/engines.ts';
import { testApp } from '../../testing/http.ts';
import { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import type { AccessControl } from '../access.ts';
import { updateRoutes } from './updates.ts';

export interface LocalEnvironment {
  environments: EnvironmentStore;
  clients: DockerClientPool;
  registries: RegistryStore;
  jobs: JobRegistry;
  audit: AuditLog;
  /** Everything the app is built from (the scheduler, the notifier ...). */
  services: Services;
  /** The store underneath, to check what is kept at rest. */
  db: Database;
  secrets: SecretBox;
  environmentId: number;
  docker: DockerClient;
  /** Labels for everything a test creates: windflow.test=1 and a label unique to this run. */
  labels: Record<string, string>;
  /** "key=value" of the run's unique label, for prune filters. */
  runLabel: string;
  /** A unique name with this prefix. */
  name(prefix: string): string;
  close(): Promise<void>;
}

/** The test bed's Docker daemon, unless `engine` names another (Podman, see engines.ts). */
export async function localEnvironment({
  engine,
  ...options
}: ServiceOptions & { engine?: TestEngine } = {}): Promise<LocalEnvironment> {
  const bed = { ...testbed(), dockerSocket: engine?.socket ?? testbed().dockerSocket };
  const dataDir = mkdtempSync(join(tmpdir(), 'windflow-docker-routes-'));
  const logger = createLogger('error');
  const store = await openStore(
    {
      host: '127.0.0.1',
      port: 0,
      dataDir,
      databaseUrl: '',
      logLevel: 'error',
      dockerSocket: bed.dockerSocket,
      auth: true,
      basePath: '',
      trustedProxies: [],
      helperImage: bed.images.busybox,
    },
    logger,
  );
  const services = createServices(store, options);
  const environment = await services.environments.create({
    name: 'local',
    type: 'local-socket',
    address: bed.dockerSocket,
  });
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
  let counter = 0;
  return {
    environments: services.environments,
    clients: services.clients,
    registries: services.registries,
    jobs: services.jobs,
    audit: services.audit,
    services,
    db: store.db,
    secrets: store.secrets,
    environmentId: environment.id,
    docker,
    labels: { 'windflow.test': '1', 'windflow.test.run': run },
    runLabel: `windflow.test.run=${run}`,
    name: (prefix) => `wf-${prefix}-${run}-${++counter}`,
    async close() {
      docker.close();
      services.engineEvents.stop();
      await services.alerts.stop();
      await services.scheduler.stop();
      await services.notifier.stop();
      await services.jobs.close();
      services.clients.closeAll();
      await store.db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes what a run created: containers first, then networks, volumes and images. */
export async function removeRunObjects(env: LocalEnvironment): Promise<void> {
  const filters = { label: [env.runLabel] };
  const query = { filters: JSON.stringify(filters) };
  for (const container of await env.docker.listContainers({ all: true, filters })) {
    await env.docker.removeContainer(container.Id, { force: true, volumes: true });
  }
  const networks = await env.docker.request<{ Id: string }[]>('GET', '/networks', { query });
  for (const network of networks) await env.docker.request('DELETE', `/networks/${network.Id}`);
  const { Volumes } = await env.docker.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', {
    query,
  });
  for (const volume of Volumes ?? []) await env.docker.request('DELETE', `/volumes/${volume.Name}`);
  const images = await env.docker.request<{ Id: string }[]>('GET', '/images/json', { query });
  for (const image of images) await env.docker.removeImage(image.Id, { force: true });
}

/** Runs `sh -c script` in busybox with `mounts` (volume name -> path) and returns its stdout. */
export async function runScript(
  env: LocalEnvironment,
  script: string,
  mounts: Record<string, string> = {},
): Promise<string> {
  const { Id } = await env.docker.createContainer({
    Image: testbed().images.busybox,
    Cmd: ['sh', '-c', script],
    Labels: env.labels,
    HostConfig: { Binds: Object.entries(mounts).map(([volume, path]) => `${volume}:${path}`) },
  });
  try {
    await env.docker.startContainer(Id);
    const { StatusCode } = await env.docker.request<{ StatusCode: number }>(
      'POST',
      `/containers/${Id}/wait`,
      {
        timeoutMs: 60_000,
      },
    );
    let stdout = '';
    let stderr = '';
    for await (const chunk of env.docker.containerLogs(Id)) {
      if (chunk.stream === 'stderr') stderr += new TextDecoder().decode(chunk.data);
      else stdout += new TextDecoder().decode(chunk.data);
    }
    if (StatusCode !== 0) throw new Error(`script failed (${StatusCode}): ${stderr}`);
    return stdout;
  } finally {
    await env.docker.removeContainer(Id, { force: true });
  }
}

/** Route plugins mounted as the app mounts them, called as `principal` (default: an admin). */
export function routesApp(build: (access: AccessControl) => AnyElysia, principal?: Principal) {
  const app = testApp((access) => new Elysia().use(build(access)), principal);
  return { app, api: ApiSession.forApp(app) };
}

/** A signed-in caller holding only these grants, on every environment. */
export function principalWith(...grants: Principal['roles'][number]['grants'][number][]): Principal {
  return {
    userId: 2,
    username: 'limited',
    roles: [{ grants, environmentId: null }],
    via: 'session',
    csrfValid: true,
  };
}

/** A webhook channel to `url` for these events, at every severity, each sent alone. */
export function addWebhookChannel(
  env: LocalEnvironment,
  url: string,
  events: NotificationEventType[],
): Promise<unknown> {
  return env.services.notificationChannels.create({
    name: 'hook',
    kind: 'webhook',
    enabled: true,
    settings: { url },
    secrets: {},
    events,
    minSeverity: 'info',
    digest: false,
    quietHours: null,
  });
}

/** The updates routes over the environment's services. */
export function updateRoutesOf(env: LocalEnvironment, access: AccessControl) {
  return updateRoutes({
    access,
    environments: env.environments,
    clients: env.clients,
    updates: env.services.updates,
    updateService: env.services.updateService,
    scanService: env.services.scanService,
    jobs: env.jobs,
  });
}
