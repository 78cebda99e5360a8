// What a Compose project has on an engine (its containers, networks and volumes, found by their
// labels), and the plan `up` follows to bring it to the file: which containers to create,
// recreate, start, keep or remove, and why. Nothing here changes the engine.
import type { DockerClient } from '../client.ts';
import { DockerApiError } from '../errors.ts';
import type { ContainerSummary } from '../types.ts';
import type { ContainerPlan, ProjectPlan, ResourcePlan, ServicePlan } from '../views.ts';
import { imageOf } from './container-config.ts';
import { serviceConfigHash } from './hash.ts';
import { containerName, LABEL, projectFilter } from './labels.ts';
import type { ComposeProject, ServiceConfig } from './model.ts';
import { serviceScale } from './model.ts';

export interface ProjectState {
  containers: ContainerSummary[];
  /** Engine names of the networks and volumes labelled with the project. */
  networks: Map<string, { id: string }>;
  volumes: Set<string>;
}

/** Three list calls, whatever the project's size. */
export async function observeProject(client: DockerClient, project: string): Promise<ProjectState> {
  const filters = JSON.stringify(projectFilter(project));
  const [containers, networks, volumes] = await Promise.all([
    client.listContainers({ all: true, filters: projectFilter(project) }),
    client.request<{ Id: string; Name: string }[]>('GET', '/networks', { query: { filters } }),
    client.request<{ Volumes: { Name: string }[] | null }>('GET', '/volumes', { query: { filters } }),
  ]);
  return {
    containers: containers.filter((container) => container.Labels[LABEL.oneoff] !== 'True'),
    networks: new Map(networks.map((network) => [network.Name, { id: network.Id }])),
    volumes: new Set((volumes.Volumes ?? []).map((volume) => volume.Name)),
  };
}

export function containerNumber(container: ContainerSummary): number {
  return Number(container.Labels[LABEL.containerNumber] ?? 0);
}

export function serviceContainers(state: ProjectState, service: string): ContainerSummary[] {
  return state.containers
    .filter((container) => container.Labels[LABEL.service] === service)
    .sort((a, b) => containerNumber(a) - containerNumber(b));
}

/** The local image id of each reference that is present; absent ones are left out. */
export async function localImageIds(
  client: DockerClient,
  references: string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await Promise.all(
    [...new Set(references)].map(async (reference) => {
      try {
        ids.set(reference, (await client.inspectImage(reference)).Id);
      } catch (error) {
        if (!(error instanceof DockerApiError && error.status === 404)) throw error;
      }
    }),
  );
  return ids;
}

/** How `up` gets a service's image, given what is on the engine. */
export function imageSource(service: ServiceConfig, present: boolean): ServicePlan['imageSource'] {
  const policy = service.pull_policy ?? (service.build ? 'build-if-missing' : 'missing');
  if (policy === 'build') return 'build';
  if (policy === 'always') return 'pull';
  if (present || policy === 'never') return 'present';
  return service.build ? 'build' : 'pull';
}

/**
 * The plan for `up`. `imageIds` maps each service to the image id it will run (after pulls and
 * builds during a deploy; what is present locally for a preview).
 */
export function planProject(
  project: ComposeProject,
  state: ProjectState,
  imageIds: Map<string, string>,
  sources: Map<string, ServicePlan['imageSource']>,
): ProjectPlan {
  const services: ServicePlan[] = Object.values(project.services).map((service) => {
    const existing = serviceContainers(state, service.name);
    const hash = serviceConfigHash(service);
    const nextImageId = imageIds.get(service.name);
    const scale = serviceScale(service);
    const containers: ContainerPlan[] = [];
    const byNumber = new Map(existing.map((container) => [containerNumber(container), container]));
    for (let number = 1; number <= scale; number++) {
      const name = containerName(project.name, service, number);
      const current = byNumber.get(number);
      if (!current) {
        containers.push({ name, number, change: 'create' });
        continue;
      }
      const reasons = [
        current.Labels[LABEL.configHash] !== hash ? 'configuration changed' : '',
        nextImageId !== undefined && current.Labels[LABEL.image] !== nextImageId ? 'image changed' : '',
      ].filter(Boolean);
      const change = reasons.length > 0 ? 'recreate' : current.State === 'running' ? 'keep' : 'start';
      containers.push({
        name,
        number,
        change,
        id: current.Id,
        ...(reasons.length ? { reason: reasons.join(', ') } : {}),
      });
    }
    for (const container of existing) {
      if (containerNumber(container) > scale || containerNumber(container) < 1) {
        containers.push({
          name: nameOf(container),
          number: containerNumber(container),
          change: 'remove',
          id: container.Id,
          reason: 'scaled down',
        });
      }
    }
    return {
      service: service.name,
      image: imageOf(project, service),
      currentImageId: existing[0]?.Labels[LABEL.image] || undefined,
      nextImageId,
      imageSource: sources.get(service.name) ?? 'present',
      containers,
    };
  });
  const orphans = state.containers
    .filter((container) => !project.services[container.Labels[LABEL.service] ?? ''])
    .map((container) => ({
      name: nameOf(container),
      number: containerNumber(container),
      change: 'remove' as const,
      id: container.Id,
      reason: `service ${container.Labels[LABEL.service]} is no longer in the file`,
    }));
  return {
    project: project.name,
    services,
    orphans,
    networks: resourcePlans(project.networks, (name) => state.networks.has(name)),
    volumes: resourcePlans(project.volumes, (name) => state.volumes.has(name)),
  };
}

function resourcePlans(
  resources: Record<string, { name: string; external?: boolean }>,
  exists: (name: string) => boolean,
): ResourcePlan[] {
  return Object.entries(resources).map(([key, resource]) => ({
    key,
    name: resource.name,
    change: resource.external ? 'external' : exists(resource.name) ? 'keep' : 'create',
  }));
}

export function nameOf(container: ContainerSummary): string {
  return (container.Names[0] ?? container.Id.slice(0, 12)).replace(/^\//, '');
}
