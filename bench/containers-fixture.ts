// Labelled throwaway containers for the benchmarks: made once, reused by a rerun, removed after.
import type { DockerClient } from '../src/docker/client.ts';

const LABEL = 'windflow.bench';

/** Makes (created, not started) containers until `count` exist; returns their ids. */
export async function ensureBenchContainers(
  docker: DockerClient,
  image: string,
  count: number,
): Promise<string[]> {
  const existing = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  const ids = existing.map((container) => container.Id);
  const missing = Math.max(count - ids.length, 0);
  for (let start = 0; start < missing; start += 20) {
    const batch = Array.from({ length: Math.min(20, missing - start) }, () =>
      docker.createContainer({
        Image: image,
        Cmd: ['sh', '-c', 'trap exit TERM; sleep 3600 & wait'],
        Labels: { [LABEL]: '1' },
      }),
    );
    ids.push(...(await Promise.all(batch)).map((created) => created.Id));
  }
  return ids;
}

export async function removeBenchContainers(docker: DockerClient): Promise<void> {
  const existing = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  await Promise.all(existing.map((container) => docker.removeContainer(container.Id, { force: true })));
}
