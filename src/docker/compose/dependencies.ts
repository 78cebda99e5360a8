// depends_on: the order services start and stop in, and waiting for a dependency's condition
// (started, healthy, completed successfully) by following the engine's events rather than
// asking again and again.
import type { DockerClient } from '../client.ts';
import { runHealthchecks } from '../podman.ts';
import type { ContainerInspect } from '../types.ts';
import type { ComposeProject, DependencyCondition } from './model.ts';

/** Service names, each after the services it depends on. Throws on a cycle. */
export function startOrder(project: ComposeProject): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done' || !project.services[name]) return;
    if (state.get(name) === 'visiting')
      throw new Error(`depends_on forms a cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dependency of Object.keys(project.services[name]?.depends_on ?? {}))
      visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(project.services).sort()) visit(name, []);
  return order;
}

/**
 * Services grouped by dependency depth (from their depends_on labels, for down and stop): the
 * first group depends on nothing; each next one only on earlier groups. Start them group by group;
 * stop them in the reverse order. Members of a group can act at once.
 */
export function dependencyLevels(dependsOn: Map<string, string[]>): string[][] {
  const levels = new Map<string, number>();
  const levelOf = (name: string, path: Set<string>): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (path.has(name)) return 0; // a cycle on the engine: treat as independent
    path.add(name);
    const level =
      Math.max(
        -1,
        ...(dependsOn.get(name) ?? [])
          .filter((dependency) => dependsOn.has(dependency))
          .map((dependency) => levelOf(dependency, path)),
      ) + 1;
    path.delete(name);
    levels.set(name, level);
    return level;
  };
  const groups: string[][] = [];
  for (const name of [...dependsOn.keys()].sort()) {
    const level = levelOf(name, new Set());
    groups[level] = [...(groups[level] ?? []), name];
  }
  return groups.filter(Boolean);
}

export class DependencyError extends Error {}

/**
 * Resolves once every container meets the condition; rejects when one cannot (it exited, or
 * its health check failed) or the deadline passes.
 */
export async function waitForCondition(
  client: DockerClient,
  service: string,
  containerIds: string[],
  condition: DependencyCondition,
  options: { deadlineMs: number; signal?: AbortSignal },
): Promise<void> {
  if (containerIds.length === 0) return;
  if (condition === 'service_completed_successfully') {
    await Promise.all(
      containerIds.map(async (id) => {
        const { StatusCode } = await client.request<{ StatusCode: number }>(
          'POST',
          `/containers/${encodeURIComponent(id)}/wait`,
          { query: { condition: 'not-running' }, timeoutMs: options.deadlineMs, signal: options.signal },
        );
        if (StatusCode !== 0)
          throw new DependencyError(
            `${service} did not complete successfully: it exited with code ${StatusCode}`,
          );
      }),
    );
    return;
  }
  if (condition === 'service_started') return;
  await waitHealthy(client, service, containerIds, options);
}

/** Follows health_status and die events; an inspect after subscribing catches what came before. */
export async function waitHealthy(
  client: DockerClient,
  service: string,
  containerIds: string[],
  options: { deadlineMs: number; signal?: AbortSignal },
): Promise<void> {
  const pending = new Set(containerIds);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.deadlineMs);
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const since = Math.floor(Date.now() / 1000) - 1;
  try {
    const events = client.events({
      since,
      filters: { type: ['container'], container: containerIds },
      signal,
    });
    const judge = (id: string, inspect: ContainerInspect) => {
      const health = (inspect.State as { Health?: { Status?: string } }).Health?.Status;
      if (!inspect.State.Running)
        throw new DependencyError(
          `${service} exited with code ${inspect.State.ExitCode} before it was healthy`,
        );
      if (health === undefined) throw new DependencyError(`${service} has no healthcheck to wait for`);
      if (health === 'unhealthy') throw new DependencyError(`${service} is unhealthy`);
      if (health === 'healthy') pending.delete(id);
    };
    for (const id of containerIds) judge(id, await client.inspectContainer(id, { signal }));
    if (pending.size === 0) return;
    if ((await client.engineKind(signal)) === 'podman') void runHealthchecks(client, [...pending], signal);
    for await (const event of events) {
      if (!pending.has(event.Actor.ID)) continue;
      if (event.Action === 'health_status: healthy') pending.delete(event.Actor.ID);
      else if (event.Action === 'health_status: unhealthy')
        throw new DependencyError(`${service} is unhealthy`);
      else if (event.Action === 'die')
        throw new DependencyError(
          `${service} exited with code ${event.Actor.Attributes.exitCode ?? '?'} before it was healthy`,
        );
      if (pending.size === 0) return;
    }
    throw new DependencyError(`${service} did not become healthy`);
  } catch (error) {
    if (stop.signal.aborted && !options.signal?.aborted)
      throw new DependencyError(
        `${service} did not become healthy within ${Math.round(options.deadlineMs / 1000)} s`,
      );
    throw error;
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}
