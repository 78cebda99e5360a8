// Containers of one engine as Windflow shows them: list rows, the detail view, creation from a
// spec (pulling the image if it is missing), lifecycle actions one by one or in bulk, and a
// quick look at CPU and memory.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { createPlan, endpointConfig } from './container-spec.ts';
import { type StatsSample, usageOf } from './container-stats.ts';
import { DockerApiError } from './errors.ts';
import type { RegistryAuth } from './image-reference.ts';
import type { ContainerInspect, ContainerSummary } from './types.ts';
import type {
  BulkResult,
  ContainerDetail,
  ContainerSpec,
  ContainerView,
  NetworkSpec,
  Usage,
} from './views.ts';

export const CONTAINER_ACTIONS = ['start', 'stop', 'restart', 'pause', 'unpause', 'kill', 'remove'] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

const COMPOSE_PROJECT = 'com.docker.compose.project';
const SECRET_KEY = /pass|secret|token|key|credential|auth|private|api_?key|salt|dsn/i;
const MASK = '••••••';
const USAGE_CONCURRENCY = 16;

export async function listContainerViews(client: DockerClient, all: boolean): Promise<ContainerView[]> {
  return (await client.listContainers({ all })).map(containerView);
}

export async function containerViewOf(client: DockerClient, id: string): Promise<ContainerView | undefined> {
  const [summary] = await client.listContainers({ all: true, filters: { id: [id] } });
  return summary && containerView(summary);
}

export function containerView(summary: ContainerSummary): ContainerView {
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(summary.Status)?.[1];
  const ports = (
    (summary.Ports ?? []) as { PrivatePort: number; PublicPort?: number; IP?: string; Type: string }[]
  )
    .map((port) => ({
      privatePort: port.PrivatePort,
      ...(port.PublicPort ? { publicPort: port.PublicPort } : {}),
      ...(port.IP ? { ip: port.IP } : {}),
      protocol: port.Type,
    }))
    // The daemon lists a port once per address family; one row is enough.
    .filter(
      (port, index, list) =>
        list.findIndex(
          (other) =>
            other.privatePort === port.privatePort &&
            other.publicPort === port.publicPort &&
            other.protocol === port.protocol,
        ) === index,
    );
  const labels = summary.Labels ?? {};
  const networks = Object.keys(
    (summary.NetworkSettings as { Networks?: Record<string, unknown> } | undefined)?.Networks ?? {},
  );
  return {
    id: summary.Id,
    name: (summary.Names[0] ?? summary.Id.slice(0, 12)).replace(/^\//, ''),
    image: summary.Image,
    imageId: String(summary.ImageID ?? ''),
    state: summary.State,
    ...(health
      ? { health: health === 'health: starting' ? 'starting' : (health as 'healthy' | 'unhealthy') }
      : {}),
    status: summary.Status,
    ports,
    ...(labels[COMPOSE_PROJECT] ? { project: labels[COMPOSE_PROJECT] } : {}),
    labels,
    networks,
    createdAt: new Date(Number(summary.Created) * 1000).toISOString(),
  };
}

/** What the detail page shows; values of env vars whose names look secret are masked. */
export async function containerDetail(client: DockerClient, id: string): Promise<ContainerDetail> {
  const inspect = await client.inspectContainer(id);
  const state = inspect.State as Record<string, unknown> & ContainerInspect['State'];
  const health = state.Health as
    | { Status: string; FailingStreak: number; Log?: { Output: string; ExitCode: number; End: string }[] }
    | undefined;
  const lastProbe = health?.Log?.at(-1);
  const imageId = String(inspect.Image);
  const imageDigest = await client
    .inspectImage(imageId)
    .then((image) => image.RepoDigests[0]?.split('@')[1])
    .catch(() => undefined);
  const env = ((inspect.Config.Env as string[] | null) ?? []).map((pair) => {
    const at = pair.indexOf('=');
    return at > 0 && SECRET_KEY.test(pair.slice(0, at))
      ? { pair: `${pair.slice(0, at)}=${MASK}`, masked: pair.slice(0, at) }
      : { pair };
  });
  return {
    overview: {
      id: inspect.Id,
      name: inspect.Name.replace(/^\//, ''),
      state: state.Status,
      running: state.Running,
      paused: Boolean(state.Paused),
      exitCode: state.ExitCode,
      error: String(state.Error ?? ''),
      startedAt: String(state.StartedAt ?? ''),
      finishedAt: String(state.FinishedAt ?? ''),
      restartCount: Number(inspect.RestartCount ?? 0),
      ...(health
        ? {
            health: {
              status: health.Status,
              failingStreak: health.FailingStreak,
              ...(lastProbe
                ? {
                    lastOutput: lastProbe.Output,
                    lastExitCode: lastProbe.ExitCode,
                    lastCheckAt: lastProbe.End,
                  }
                : {}),
            },
          }
        : {}),
      image: inspect.Config.Image,
      imageId,
      ...(imageDigest ? { imageDigest } : {}),
      createdAt: String(inspect.Created),
      tty: inspect.Config.Tty,
    },
    inspect: { ...inspect, Config: { ...inspect.Config, Env: env.map((entry) => entry.pair) } },
    maskedEnvKeys: env.flatMap((entry) => (entry.masked ? [entry.masked] : [])),
  };
}

/** Pulls `image` unless the engine has it; a failed pull reads as "no such image". */
export async function ensureImage(client: DockerClient, image: string, auth?: RegistryAuth): Promise<void> {
  try {
    await client.inspectImage(image);
    return;
  } catch (error) {
    if (!(error instanceof DockerApiError && error.status === 404)) throw error;
  }
  try {
    for await (const _ of client.pullImage(image, { auth })) {
      // Only the outcome matters here; the images page shows pulls with their progress.
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(
      404,
      'IMAGE_NOT_FOUND',
      `The image ${image} is not on this engine and could not be pulled: ${reason}`,
    );
  }
}

/** Creates (and by default starts) a container; if starting fails, nothing is left behind. */
export async function createFromSpec(
  client: DockerClient,
  spec: ContainerSpec,
  options: { start: boolean; auth?: RegistryAuth; authorize?: AuthorizePlan },
): Promise<string> {
  const plan = createPlan(spec);
  await options.authorize?.(plan.config);
  await ensureImage(client, spec.image, options.auth);
  const { Id } = await client.createContainer(plan.config, spec.name || undefined);
  try {
    await connectNetworks(client, Id, plan.extraNetworks);
    if (options.start) await startContainer(client, Id);
  } catch (error) {
    await client.removeContainer(Id, { force: true }).catch(() => {});
    throw error;
  }
  return Id;
}

/** Checks a create body before anything is done with it (the host-access gate). */
export type AuthorizePlan = (config: Record<string, unknown>) => Promise<void>;

export async function connectNetworks(
  client: DockerClient,
  id: string,
  networks: NetworkSpec[],
): Promise<void> {
  for (const network of networks) {
    await client.request('POST', `/networks/${encodeURIComponent(network.name)}/connect`, {
      body: { Container: id, EndpointConfig: endpointConfig(network) },
    });
  }
}

/** Starts a container; a published port that is taken becomes a 409 saying so. */
export async function startContainer(client: DockerClient, id: string): Promise<void> {
  try {
    await client.startContainer(id);
  } catch (error) {
    if (
      error instanceof DockerApiError &&
      /port is already allocated|address already in use/i.test(error.message)
    ) {
      throw new HttpError(
        409,
        'PORT_CONFLICT',
        `A published port is already in use on the host: ${error.message}`,
      );
    }
    throw error;
  }
}

export async function runAction(client: DockerClient, id: string, action: ContainerAction): Promise<void> {
  const path = `/containers/${encodeURIComponent(id)}`;
  switch (action) {
    case 'start':
      return startContainer(client, id);
    case 'stop':
      return client.stopContainer(id);
    case 'remove':
      return client.removeContainer(id, { force: true });
    case 'restart':
      await client.request('POST', `${path}/restart`, { timeoutMs: 60_000 });
      return;
    default:
      await client.request('POST', `${path}/${action}`);
  }
}

/** Runs the action on each container, a few at a time; one failure does not stop the others. */
export async function runBulkAction(
  client: DockerClient,
  ids: string[],
  action: ContainerAction,
): Promise<BulkResult[]> {
  return inBatches(ids, USAGE_CONCURRENCY, async (id) => {
    try {
      await runAction(client, id, action);
      return { id, ok: true };
    } catch (error) {
      return { id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

export async function renameContainer(client: DockerClient, id: string, name: string): Promise<void> {
  await client.request('POST', `/containers/${encodeURIComponent(id)}/rename`, { query: { name } });
}

/** One CPU/memory reading per running container (ids given), for the list's at-a-glance column. */
export async function usageAtAGlance(client: DockerClient, ids: string[]): Promise<Record<string, Usage>> {
  const readings = await inBatches(ids, USAGE_CONCURRENCY, async (id) => {
    try {
      const sample = await client.request<StatsSample>('GET', `/containers/${encodeURIComponent(id)}/stats`, {
        query: { stream: false },
        timeoutMs: 10_000,
      });
      return [id, usageOf(sample)] as const;
    } catch {
      return undefined; // stopped meanwhile: no reading
    }
  });
  return Object.fromEntries(readings.filter((reading) => reading !== undefined));
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  }
  return results;
}
