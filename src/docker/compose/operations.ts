// The Compose operations besides `up`, all working from the labels on the engine so they need no
// file (and act the same on projects made by `docker compose`): the projects an engine has,
// down (with or without volumes), start, stop, restart (whole or one service) and logs.
import type { DockerClient, LogChunk } from '../client.ts';
import { DockerApiError } from '../errors.ts';
import type { ContainerSummary } from '../types.ts';
import type { DeployProgress, StackContainer, StackStatus } from '../views.ts';
import { dependencyLevels } from './dependencies.ts';
import { LABEL, projectFilter } from './labels.ts';
import { containerNumber, nameOf, observeProject } from './project-state.ts';

export interface ProjectSummary {
  name: string;
  status: StackStatus;
  services: string[];
  containers: StackContainer[];
  workingDir: string;
  configFiles: string[];
}

type Report = (progress: DeployProgress, key?: string) => void;
const quiet: Report = () => undefined;

/** Every Compose project on the engine, by its containers' labels. One call. */
export async function listProjects(client: DockerClient): Promise<ProjectSummary[]> {
  const containers = await client.listContainers({ all: true, filters: { label: [LABEL.project] } });
  const byProject = new Map<string, ContainerSummary[]>();
  for (const container of containers) {
    if (container.Labels[LABEL.oneoff] === 'True') continue;
    const project = container.Labels[LABEL.project] as string;
    byProject.set(project, [...(byProject.get(project) ?? []), container]);
  }
  return [...byProject.entries()]
    .map(([name, members]) => summarize(name, members))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function describeProject(client: DockerClient, project: string): Promise<ProjectSummary> {
  const { containers } = await observeProject(client, project);
  return summarize(project, containers);
}

export function summarize(name: string, containers: ContainerSummary[]): ProjectSummary {
  const running = containers.filter((container) => container.State === 'running').length;
  const first = containers[0]?.Labels ?? {};
  return {
    name,
    status: running === 0 ? 'stopped' : running === containers.length ? 'running' : 'partial',
    services: [...new Set(containers.map((container) => container.Labels[LABEL.service] ?? ''))].sort(),
    containers: containers
      .map((container) => ({
        id: container.Id,
        name: nameOf(container),
        service: container.Labels[LABEL.service] ?? '',
        number: containerNumber(container),
        state: container.State,
        status: container.Status,
        image: container.Image,
      }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number),
    workingDir: first[LABEL.workingDir] ?? '',
    configFiles: (first[LABEL.configFiles] ?? '').split(',').filter(Boolean),
  };
}

/** Containers in groups to stop at once: dependents first, from the depends_on labels. */
function stoppingOrder(containers: ContainerSummary[]): ContainerSummary[][] {
  const dependsOn = new Map<string, string[]>();
  for (const container of containers) {
    const service = container.Labels[LABEL.service] ?? '';
    const dependencies = (container.Labels[LABEL.dependsOn] ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => entry.split(':')[0] ?? '');
    dependsOn.set(service, dependencies);
  }
  return dependencyLevels(dependsOn)
    .reverse()
    .map((services) =>
      containers.filter((container) => services.includes(container.Labels[LABEL.service] ?? '')),
    );
}

/**
 * Removes the project's containers, then its networks, and with `volumes` its named volumes
 * (and the containers' anonymous ones). Only objects labelled with the project go: external
 * networks and volumes stay.
 */
export async function down(
  client: DockerClient,
  project: string,
  options: { volumes?: boolean; report?: Report } = {},
): Promise<void> {
  const report = options.report ?? quiet;
  const state = await observeProject(client, project);
  for (const group of stoppingOrder(state.containers)) {
    await Promise.all(
      group.map(async (container) => {
        const name = nameOf(container);
        const service = container.Labels[LABEL.service] ?? '';
        report({ kind: 'step', service, target: name, action: 'remove', status: 'started' });
        if (container.State === 'running') await client.stopContainer(container.Id);
        await ignoreMissing(client.removeContainer(container.Id, { force: true, volumes: options.volumes }));
        report({ kind: 'step', service, target: name, action: 'remove', status: 'done' });
      }),
    );
  }
  for (const [name, { id }] of state.networks) {
    report({ kind: 'step', service: '', target: name, action: 'remove', status: 'started' });
    await ignoreMissing(client.request('DELETE', `/networks/${encodeURIComponent(id)}`));
    report({ kind: 'step', service: '', target: name, action: 'remove', status: 'done' });
  }
  if (options.volumes) {
    for (const name of state.volumes) {
      report({ kind: 'step', service: '', target: name, action: 'remove', status: 'started' });
      await ignoreMissing(client.request('DELETE', `/volumes/${encodeURIComponent(name)}`));
      report({ kind: 'step', service: '', target: name, action: 'remove', status: 'done' });
    }
    // Anonymous volumes a recreate handed on are mounted by name, so removing the container
    // with v=1 leaves them: they go here, unless another container still uses one.
    for (const name of anonymousVolumesOf(state.containers)) {
      await client.request('DELETE', `/volumes/${encodeURIComponent(name)}`).catch((error: unknown) => {
        if (!(error instanceof DockerApiError && (error.status === 404 || error.status === 409))) throw error;
      });
    }
  }
}

function anonymousVolumesOf(containers: ContainerSummary[]): string[] {
  const names = containers.flatMap((container) =>
    ((container.Mounts as { Type?: string; Name?: string }[] | undefined) ?? [])
      .filter((mount) => mount.Type === 'volume' && /^[0-9a-f]{64}$/.test(mount.Name ?? ''))
      .map((mount) => mount.Name as string),
  );
  return [...new Set(names)];
}

export type LifecycleAction = 'start' | 'stop' | 'restart';

/** start/stop/restart the project's containers, or one service's; in dependency order. */
export async function lifecycle(
  client: DockerClient,
  project: string,
  action: LifecycleAction,
  options: { service?: string; report?: Report } = {},
): Promise<number> {
  const report = options.report ?? quiet;
  const { containers } = await observeProject(client, project);
  const chosen = containers.filter(
    (container) => !options.service || container.Labels[LABEL.service] === options.service,
  );
  if (options.service && chosen.length === 0)
    throw new DockerApiError(
      404,
      `project ${project} has no service ${options.service} running on this engine`,
    );
  const groups = stoppingOrder(chosen);
  if (action === 'start') groups.reverse();
  for (const group of groups) {
    await Promise.all(
      group.map(async (container) => {
        const target = nameOf(container);
        const service = container.Labels[LABEL.service] ?? '';
        const step = action === 'stop' ? 'stop' : 'start';
        report({ kind: 'step', service, target, action: step, status: 'started' });
        if (action === 'start') await client.startContainer(container.Id);
        else if (action === 'stop') await client.stopContainer(container.Id);
        else
          await client.request('POST', `/containers/${encodeURIComponent(container.Id)}/restart`, {
            timeoutMs: 60_000,
          });
        report({ kind: 'step', service, target, action: step, status: 'done' });
      }),
    );
  }
  return chosen.length;
}

export interface ProjectLogLine {
  container: string;
  service: string;
  stream: LogChunk['stream'];
  text: string;
}

/**
 * The logs of every container of the project (or one service), merged as they come, each line
 * named with its container. Follows until `signal` aborts when `follow`.
 */
export async function* projectLogs(
  client: DockerClient,
  project: string,
  options: { service?: string; follow?: boolean; tail?: number; signal?: AbortSignal },
): AsyncGenerator<ProjectLogLine> {
  const containers = await client.listContainers({ all: true, filters: projectFilter(project) });
  const chosen = containers.filter(
    (container) => !options.service || container.Labels[LABEL.service] === options.service,
  );
  const queue: ProjectLogLine[] = [];
  let wake: (() => void) | undefined;
  let open = chosen.length;
  let failure: unknown;
  const push = (line?: ProjectLogLine) => {
    if (line) queue.push(line);
    wake?.();
  };
  for (const container of chosen) {
    void (async () => {
      const decoder = new TextDecoder();
      const name = nameOf(container);
      const service = container.Labels[LABEL.service] ?? '';
      const partial = { stdout: '', stderr: '', stdin: '' };
      try {
        for await (const chunk of client.containerLogs(container.Id, {
          follow: options.follow,
          tail: options.tail ?? 200,
          timestamps: false,
          signal: options.signal,
        })) {
          const text = partial[chunk.stream] + decoder.decode(chunk.data, { stream: true });
          const lines = text.split('\n');
          partial[chunk.stream] = lines.pop() ?? '';
          for (const line of lines) push({ container: name, service, stream: chunk.stream, text: line });
        }
        for (const stream of ['stdout', 'stderr'] as const)
          if (partial[stream]) push({ container: name, service, stream, text: partial[stream] });
      } catch (error) {
        if (!options.signal?.aborted) failure ??= error;
      } finally {
        open--;
        push();
      }
    })();
  }
  while (true) {
    const line = queue.shift();
    if (line) {
      yield line;
      continue;
    }
    if (open === 0 || options.signal?.aborted) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  if (failure) throw failure;
}

async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof DockerApiError && error.status === 404)) throw error;
  }
}
