// `up`: brings an engine to a Compose project the way `docker compose up -d` does. It gets the
// images first (nothing is created when one is missing), creates the project's networks and
// volumes, removes orphans, then converges each service once the services it depends on meet
// their condition: containers whose config hash and image are unchanged are kept, changed ones
// are recreated (the old one is stopped and set aside until the new one exists), missing ones
// created, extra ones removed.
import { posix } from 'node:path';
import type { DockerClient } from '../client.ts';
import { DockerApiError } from '../errors.ts';
import type { ContainerInspect } from '../types.ts';
import type { ContainerPlan, ProjectPlan } from '../views.ts';
import { tarStream } from '../volume-tar.ts';
import { containerCreation, type InjectedFile, imageOf, injectedFiles } from './container-config.ts';
import { startOrder, waitForCondition } from './dependencies.ts';
import { serviceConfigHash } from './hash.ts';
import { containerLabels, containerName, networkLabels, volumeLabels } from './labels.ts';
import type { ComposeProject, ServiceConfig } from './model.ts';
import { observeProject, type ProjectState, planProject, serviceContainers } from './project-state.ts';
import { ensureImages, type ImageOptions } from './service-images.ts';

export interface UpOptions extends ImageOptions {
  /** Remove containers of services no longer in the file (default true). */
  removeOrphans?: boolean;
  /** How long to wait for a dependency's condition (default 2 minutes). */
  dependencyTimeoutMs?: number;
  /** Env files the project was loaded with, for the environment_file label. */
  envFiles?: string[];
  /**
   * Looks at every container create body before anything is created; throwing refuses the
   * whole deploy (the host-powers gate).
   */
  vetCreate?: (service: string, body: Record<string, unknown>) => void;
}

export interface UpResult {
  plan: ProjectPlan;
  /** Service -> the image id it runs. */
  imageIds: Map<string, string>;
  /** Service -> its containers' ids, in number order. */
  containers: Map<string, string[]>;
}

export async function up(
  client: DockerClient,
  project: ComposeProject,
  options: UpOptions,
): Promise<UpResult> {
  const order = startOrder(project);
  const report = options.report;
  const imageIds = await ensureImages(client, project, options);
  const state = await observeProject(client, project.name);
  const plan = planProject(project, state, imageIds, new Map());
  const hashes = new Map(
    Object.values(project.services).map((service) => [service.name, serviceConfigHash(service)]),
  );
  // Vet every container this deploy would create before touching anything.
  for (const service of Object.values(project.services)) {
    options.vetCreate?.(
      service.name,
      creationFor(project, service, 1, hashes, imageIds, options, state).body,
    );
  }
  await ensureNetworks(client, project, state, report);
  await ensureVolumes(client, project, state, report);
  if (options.removeOrphans ?? true) {
    for (const orphan of plan.orphans) await removeContainer(client, orphan, '', report);
  }
  const started = new Map<string, Promise<string[]>>();
  /** Services whose containers were recreated: dependents with `restart: true` restart after them. */
  const recreated = new Set<string>();
  const converge = async (name: string): Promise<string[]> => {
    const service = project.services[name] as ServiceConfig;
    for (const [dependency, { condition, required }] of Object.entries(service.depends_on ?? {})) {
      const dependencyTask = started.get(dependency);
      if (!dependencyTask) {
        if (required) throw new Error(`${name} depends on ${dependency}, which is not in the project`);
        continue;
      }
      const ids = await dependencyTask;
      if (condition !== 'service_started') {
        report({
          kind: 'step',
          service: name,
          target: dependency,
          action: 'wait',
          status: 'started',
          message: condition,
        });
      }
      await waitForCondition(client, dependency, ids, condition, {
        deadlineMs: options.dependencyTimeoutMs ?? 120_000,
        signal: options.signal,
      });
      if (condition === 'service_healthy')
        report({ kind: 'step', service: dependency, target: dependency, action: 'healthy', status: 'done' });
    }
    const servicePlan = plan.services.find((candidate) => candidate.service === name);
    const restartAfter = Object.entries(service.depends_on ?? {})
      .filter(([dependency, { restart }]) => restart && recreated.has(dependency))
      .map(([dependency]) => dependency);
    const ids: string[] = [];
    for (const container of servicePlan?.containers ?? []) {
      if (container.change === 'recreate') recreated.add(name);
      if (container.change === 'keep' && restartAfter.length > 0) {
        const target = container.name;
        const message = `${restartAfter.join(', ')} changed`;
        report({ kind: 'step', service: name, target, action: 'restart', status: 'started', message });
        await client.request('POST', `/containers/${encodeURIComponent(container.id as string)}/restart`, {
          query: { t: stopTimeoutOf(service) },
          timeoutMs: 120_000,
        });
        report({ kind: 'step', service: name, target, action: 'restart', status: 'done', message });
      }
      const id = await convergeContainer(client, project, service, container, {
        hashes,
        imageIds,
        options,
        state,
      });
      if (id) ids.push(id);
    }
    return ids;
  };
  for (const name of order) {
    const task = converge(name);
    task.catch(() => undefined); // awaited below; dependents see the failure through their own await
    started.set(name, task);
  }
  const containers = new Map<string, string[]>();
  const results = await Promise.allSettled(
    order.map(async (name) => [name, await started.get(name)] as const),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  for (const result of results)
    if (result.status === 'fulfilled') containers.set(result.value[0], result.value[1] ?? []);
  return { plan, imageIds, containers };
}

/**
 * The create body of each service's first container, before any image is there: for checks
 * that must refuse a deploy before it starts (the host-powers gate).
 */
export function serviceCreateBodies(project: ComposeProject): Map<string, Record<string, unknown>> {
  const empty: ProjectState = { containers: [], networks: new Map(), volumes: new Set() };
  const hashes = new Map<string, string>();
  return new Map(
    Object.values(project.services).map((service) => [
      service.name,
      creationFor(project, service, 1, hashes, new Map(), { report: () => undefined }, empty).body,
    ]),
  );
}

interface ConvergeContext {
  hashes: Map<string, string>;
  imageIds: Map<string, string>;
  options: UpOptions;
  state: ProjectState;
}

async function convergeContainer(
  client: DockerClient,
  project: ComposeProject,
  service: ServiceConfig,
  container: ContainerPlan,
  context: ConvergeContext,
): Promise<string | undefined> {
  const report = context.options.report;
  const step = (action: 'create' | 'recreate' | 'start', status: 'started' | 'done') =>
    report(
      { kind: 'step', service: service.name, target: container.name, action, status },
      `${container.name}:${action}`,
    );
  switch (container.change) {
    case 'keep':
      return container.id;
    case 'remove':
      await removeContainer(client, container, service.name, report);
      return undefined;
    case 'start':
      step('start', 'started');
      await client.startContainer(container.id as string);
      step('start', 'done');
      return container.id;
    case 'create': {
      step('create', 'started');
      const id = await createContainer(client, project, service, container, context);
      step('create', 'done');
      step('start', 'started');
      await client.startContainer(id);
      step('start', 'done');
      return id;
    }
    case 'recreate': {
      step('recreate', 'started');
      const old = container.id as string;
      const aside = `${old.slice(0, 12)}_${container.name}`;
      const inherited = anonymousVolumes(await client.inspectContainer(old));
      await client.stopContainer(old, { timeoutSeconds: stopTimeoutOf(service) });
      await renameContainer(client, old, aside);
      let id: string;
      try {
        id = await createContainer(client, project, service, container, context, inherited);
      } catch (error) {
        // The old one goes back as it was, so the service keeps running.
        await renameContainer(client, old, container.name).catch(() => undefined);
        await client.startContainer(old).catch(() => undefined);
        throw error;
      }
      await client.removeContainer(old, { force: true });
      step('recreate', 'done');
      step('start', 'started');
      await client.startContainer(id);
      step('start', 'done');
      return id;
    }
  }
}

async function createContainer(
  client: DockerClient,
  project: ComposeProject,
  service: ServiceConfig,
  container: ContainerPlan,
  context: ConvergeContext,
  inherited: InheritedVolume[] = [],
): Promise<string> {
  const creation = creationFor(
    project,
    service,
    container.number,
    context.hashes,
    context.imageIds,
    context.options,
    context.state,
  );
  inheritVolumes(creation.body, inherited);
  const { Id } = await client.createContainer(creation.body, container.name, {
    signal: context.options.signal,
  });
  try {
    for (const { network, endpoint } of creation.laterNetworks) {
      await client.request('POST', `/networks/${encodeURIComponent(network)}/connect`, {
        body: { Container: Id, EndpointConfig: endpoint },
      });
    }
    for (const file of injectedFiles(project, service)) await injectFile(client, Id, file);
  } catch (error) {
    await client.removeContainer(Id, { force: true }).catch(() => undefined);
    throw error;
  }
  return Id;
}

/** Copies one secret or config into the created container: a one-file tar unpacked at `/`, its folders made. */
async function injectFile(client: DockerClient, containerId: string, file: InjectedFile): Promise<void> {
  const bytes = new TextEncoder().encode(file.content);
  const archive = tarStream([
    {
      name: posix.normalize(file.path).replace(/^\/+/, ''),
      size: bytes.length,
      mode: file.mode,
      uid: file.uid,
      gid: file.gid,
      mtime: Math.floor(Date.now() / 1000),
      body: () => new Blob([bytes]).stream(),
    },
  ]);
  await client.putArchive(containerId, '/', new Uint8Array(await new Response(archive).arrayBuffer()));
}

interface InheritedVolume {
  name: string;
  target: string;
}

/** The anonymous volumes a container has (the image's VOLUMEs, `- /path` entries). */
function anonymousVolumes(inspect: ContainerInspect): InheritedVolume[] {
  const mounts = (inspect.Mounts as { Type?: string; Name?: string; Destination?: string }[] | null) ?? [];
  return mounts
    .filter(
      (mount) => mount.Type === 'volume' && /^[0-9a-f]{64}$/.test(mount.Name ?? '') && mount.Destination,
    )
    .map((mount) => ({ name: mount.Name as string, target: mount.Destination as string }));
}

/**
 * A recreated container keeps the old one's anonymous volumes (an image's VOLUME, a `- /path`
 * entry) where the file mounts nothing named there, as Compose does, so their data survives.
 */
function inheritVolumes(body: Record<string, unknown>, inherited: InheritedVolume[]): void {
  if (inherited.length === 0) return;
  if (!body.HostConfig) body.HostConfig = {};
  const host = body.HostConfig as {
    Binds?: string[];
    Mounts?: { Type: string; Source?: string; Target: string }[];
    Tmpfs?: Record<string, string>;
  };
  const anonymous = (mount: { Type: string; Source?: string }) => mount.Type === 'volume' && !mount.Source;
  const taken = new Set([
    ...(host.Binds ?? []).map((bind) => bind.split(':')[1]),
    ...(host.Mounts ?? []).filter((mount) => !anonymous(mount)).map((mount) => mount.Target),
    ...Object.keys(host.Tmpfs ?? {}),
  ]);
  const kept = inherited.filter((volume) => !taken.has(volume.target));
  if (kept.length === 0) return;
  const keptTargets = new Set(kept.map((volume) => volume.target));
  host.Mounts = [
    ...(host.Mounts ?? []).filter((mount) => !(anonymous(mount) && keptTargets.has(mount.Target))),
    ...kept.map((volume) => ({ Type: 'volume', Source: volume.name, Target: volume.target })),
  ];
}

function creationFor(
  project: ComposeProject,
  service: ServiceConfig,
  number: number,
  hashes: Map<string, string>,
  imageIds: Map<string, string>,
  options: UpOptions,
  state: ProjectState,
) {
  return containerCreation({
    project,
    service,
    name: containerName(project.name, service, number),
    labels: containerLabels(project, service, {
      number,
      configHash: hashes.get(service.name) ?? '',
      imageId: imageIds.get(service.name) ?? '',
      envFiles: options.envFiles ?? [],
    }),
    image: imageOf(project, service),
    containerOfService: (name) => firstContainerName(project, state, name),
  });
}

/** `service:x` and volumes_from name a service's first container. */
function firstContainerName(
  project: ComposeProject,
  state: ProjectState,
  service: string,
): string | undefined {
  const config = project.services[service];
  if (config) return containerName(project.name, config, 1);
  const [first] = serviceContainers(state, service);
  return first?.Names[0]?.replace(/^\//, '');
}

async function removeContainer(
  client: DockerClient,
  container: ContainerPlan,
  service: string,
  report: UpOptions['report'],
): Promise<void> {
  report({ kind: 'step', service, target: container.name, action: 'remove', status: 'started' });
  await client.stopContainer(container.id as string);
  await client.removeContainer(container.id as string, { force: true });
  report({ kind: 'step', service, target: container.name, action: 'remove', status: 'done' });
}

async function renameContainer(client: DockerClient, id: string, name: string): Promise<void> {
  await client.request('POST', `/containers/${encodeURIComponent(id)}/rename`, { query: { name } });
}

export function stopTimeoutOf(service: ServiceConfig | undefined): number | undefined {
  return service?.stop_grace_period === undefined ? undefined : Math.floor(service.stop_grace_period / 1e9);
}

async function ensureNetworks(
  client: DockerClient,
  project: ComposeProject,
  state: ProjectState,
  report: UpOptions['report'],
): Promise<void> {
  const used = new Set(
    Object.values(project.services).flatMap((service) => Object.keys(service.networks ?? {})),
  );
  for (const [key, network] of Object.entries(project.networks)) {
    if (!used.has(key) || state.networks.has(network.name)) continue;
    if (network.external) {
      await client.request('GET', `/networks/${encodeURIComponent(network.name)}`).catch((error: unknown) => {
        throw error instanceof DockerApiError && error.status === 404
          ? new Error(`network ${network.name} is declared external but does not exist`)
          : error;
      });
      continue;
    }
    report({ kind: 'step', service: '', target: network.name, action: 'create', status: 'started' });
    const body = {
      Name: network.name,
      CheckDuplicate: true,
      Driver: network.driver ?? 'bridge',
      Options: network.driver_opts ?? {},
      Internal: network.internal ?? false,
      Attachable: network.attachable ?? false,
      EnableIPv6: network.enable_ipv6 ?? false,
      Labels: networkLabels(project.name, key, network.labels),
      ...(network.ipam
        ? {
            IPAM: {
              Driver: network.ipam.driver ?? 'default',
              Options: network.ipam.options ?? {},
              Config: (network.ipam.config ?? []).map((pool) => ({
                Subnet: pool.subnet,
                Gateway: pool.gateway,
                IPRange: pool.ip_range,
                AuxiliaryAddresses: pool.aux_addresses,
              })),
            },
          }
        : {}),
    };
    await client.request('POST', '/networks/create', { body }).catch(async (error: unknown) => {
      // Made by hand with the same name: Compose uses it too.
      if (!(error instanceof DockerApiError && error.status === 409)) throw error;
    });
    report({ kind: 'step', service: '', target: network.name, action: 'create', status: 'done' });
  }
}

async function ensureVolumes(
  client: DockerClient,
  project: ComposeProject,
  state: ProjectState,
  report: UpOptions['report'],
): Promise<void> {
  for (const [key, volume] of Object.entries(project.volumes)) {
    if (state.volumes.has(volume.name)) continue;
    if (volume.external) {
      await client.request('GET', `/volumes/${encodeURIComponent(volume.name)}`).catch((error: unknown) => {
        throw error instanceof DockerApiError && error.status === 404
          ? new Error(`volume ${volume.name} is declared external but does not exist`)
          : error;
      });
      continue;
    }
    report({ kind: 'step', service: '', target: volume.name, action: 'create', status: 'started' });
    await client.request('POST', '/volumes/create', {
      body: {
        Name: volume.name,
        Driver: volume.driver ?? 'local',
        DriverOpts: volume.driver_opts ?? {},
        Labels: volumeLabels(project.name, key, volume.labels),
      },
    });
    report({ kind: 'step', service: '', target: volume.name, action: 'create', status: 'done' });
  }
}
