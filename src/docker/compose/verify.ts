// After `up`: do the containers stay up? For a grace period, a container that exits or turns
// unhealthy fails the deploy, and one with a healthcheck must be healthy by the end. It follows
// the engine's events; nothing is asked twice.
import type { DockerClient } from '../client.ts';
import { runHealthchecks } from '../podman.ts';

export class DeployVerificationError extends Error {}

export async function verifyContainers(
  client: DockerClient,
  containers: { id: string; name: string }[],
  options: { graceMs: number; signal?: AbortSignal },
): Promise<void> {
  if (containers.length === 0 || options.graceMs <= 0) return;
  const names = new Map(containers.map((container) => [container.id, container.name]));
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.graceMs);
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const since = Math.floor(Date.now() / 1000) - 1;
  const waitingHealthy = new Set<string>();
  try {
    for (const { id, name } of containers) {
      const inspect = await client.inspectContainer(id, { signal });
      const health = (inspect.State as { Health?: { Status?: string } }).Health?.Status;
      if (!inspect.State.Running)
        throw new DeployVerificationError(`${name} exited with code ${inspect.State.ExitCode}`);
      if (health === 'unhealthy') throw new DeployVerificationError(`${name} is unhealthy`);
      if (health === 'starting') waitingHealthy.add(id);
    }
    if (waitingHealthy.size > 0 && (await client.engineKind(signal)) === 'podman')
      void runHealthchecks(client, [...waitingHealthy], signal);
    try {
      for await (const event of client.events({
        since,
        filters: { type: ['container'], container: [...names.keys()] },
        signal,
      })) {
        const name = names.get(event.Actor.ID);
        if (!name) continue;
        if (event.Action === 'die')
          throw new DeployVerificationError(
            `${name} exited with code ${event.Actor.Attributes.exitCode ?? '?'}`,
          );
        if (event.Action === 'health_status: unhealthy')
          throw new DeployVerificationError(`${name} failed its healthcheck`);
        if (event.Action === 'health_status: healthy') waitingHealthy.delete(event.Actor.ID);
      }
    } catch (error) {
      if (!stop.signal.aborted || options.signal?.aborted) throw error;
    }
    if (waitingHealthy.size > 0) {
      const late = [...waitingHealthy].map((id) => names.get(id)).join(', ');
      throw new DeployVerificationError(
        `${late} did not become healthy within ${Math.round(options.graceMs / 1000)} s`,
      );
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}
