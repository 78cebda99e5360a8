// An environment's engine at a glance: version, host facts and resource counts.

import { Elysia } from 'elysia';
import type { DockerClient } from '../../docker/client.ts';
import { engineKind } from '../../docker/engine-kind.ts';
import type { EnvironmentInfo } from '../../docker/views.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { EnvironmentIdParams, EnvironmentInfoSchema, ErrorSchema } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface EngineRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

const tags = ['engine'];
const failures = { 404: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };

export function engineRoutes({ access, environments, clients }: EngineRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));

  return new Elysia({ prefix: '/api/environments/:id' })
    .use(access)
    .get('/info', async ({ params }) => summarizeEngine(await clientOf(params.id)), {
      access: 'environments:read',
      params: EnvironmentIdParams,
      response: { 200: EnvironmentInfoSchema, ...failures },
      detail: { summary: 'Engine version, host facts and resource counts', tags },
    });
}

async function summarizeEngine(client: DockerClient): Promise<EnvironmentInfo> {
  const [info, version, volumes, networks] = await Promise.all([
    client.info(),
    client.version(),
    client.listVolumes(),
    client.listNetworks(),
  ]);
  return {
    engine: {
      kind: engineKind(version),
      name: info.Name,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: info.OperatingSystem,
      arch: info.Architecture,
      kernelVersion: info.KernelVersion,
      cpus: info.NCPU,
      memoryBytes: info.MemTotal,
    },
    counts: {
      containers: {
        total: info.Containers,
        running: info.ContainersRunning,
        paused: info.ContainersPaused,
        stopped: info.ContainersStopped,
      },
      images: info.Images,
      volumes: volumes.length,
      networks: networks.length,
    },
  };
}
