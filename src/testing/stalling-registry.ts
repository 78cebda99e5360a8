// A registry in front of the test bed's that passes manifests and small blobs through but sends
// only the first half of every large blob and then goes quiet: a pull that stays in progress,
// with layer progress reported, for as long as a test needs. And an image to pull through it
// whose layer no daemon has yet (a layer the daemon has is not downloaded again).
import { randomBytes } from 'node:crypto';
import type { DockerClient } from '../docker/client.ts';
import { tarStream } from '../docker/volume-tar.ts';
export interface StallingRegistry {
  /** host:port, for image references. */
  address: string;
  stop(): void;
}

export function startStallingRegistry(upstream: string, stallAboveBytes = 64 * 1024): StallingRegistry {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete('host');
      const answer = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        redirect: 'manual',
      });
      const length = Number(answer.headers.get('content-length') ?? 0);
      if (request.method !== 'GET' || !url.pathname.includes('/blobs/') || length <= stallAboveBytes)
        return answer;
      const half = new Uint8Array(await answer.arrayBuffer()).subarray(0, Math.floor(length / 2));
      // Never closed: the rest of the blob never comes.
      const body = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(half) });
      return new Response(body, { status: answer.status, headers: answer.headers });
    },
  });
  return { address: `127.0.0.1:${server.port}`, stop: () => void server.stop(true) };
}

/**
 * Pushes a one-layer image of incompressible bytes as `repository:latest` to the registry at
 * `registryAddress` and removes it locally again; returns the repository's path in the registry.
 */
export async function pushUniqueImage(
  docker: DockerClient,
  registryAddress: string,
  repository: string,
): Promise<void> {
  const reference = `${registryAddress}/${repository}:latest`;
  const content = randomBytes(1024 * 1024);
  const rootfs = tarStream([
    {
      name: 'noise.bin',
      size: content.length,
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: Math.floor(Date.now() / 1000),
      body: () => new Blob([content]).stream(),
    },
  ]);
  const imported = await docker.stream('POST', '/images/create', {
    query: { fromSrc: '-', repo: `${registryAddress}/${repository}`, tag: 'latest' },
    body: rootfs,
  });
  await new Response(imported).text();
  for await (const _ of docker.pushImage(reference)) {
    // read to the end
  }
  await docker.removeImage(reference, { force: true });
}
