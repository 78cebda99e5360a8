// Images made for one test run: a one-file layer that no other image shares, pushed to the test
// registry and removed locally, so that pulling it downloads a layer whatever other tests do
// with the test bed's shared images at the same time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerClient } from '../docker/client.ts';

/** Pushes `${registry}/${repository}:latest` with a layer of its own; returns the reference. */
export async function pushUniqueImage(
  docker: DockerClient,
  registry: string,
  repository: string,
): Promise<string> {
  const reference = `${registry}/${repository}:latest`;
  const work = mkdtempSync(join(tmpdir(), 'windflow-unique-image-'));
  try {
    writeFileSync(join(work, 'made-for'), `${reference} ${Date.now()} ${Math.random()}\n`);
    const tar = Bun.spawnSync(['tar', '-C', work, '-cf', '-', 'made-for']);
    if (!tar.success) throw new Error(`tar failed: ${tar.stderr.toString()}`);
    const imported = await docker.stream('POST', '/images/create', {
      query: { fromSrc: '-', repo: `${registry}/${repository}`, tag: 'latest' },
      headers: { 'content-type': 'application/x-tar' },
      body: tar.stdout,
    });
    const answer = await new Response(imported).text();
    if (answer.includes('"error"')) throw new Error(`import of ${reference} failed: ${answer}`);
    for await (const _ of docker.pushImage(reference)) {
      // the push's progress is not what is tested here
    }
    await docker.removeImage(reference);
    return reference;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `base` after `sh -c script`, committed as `reference` (repo:tag) with `config` (Cmd, Labels,
 * Healthcheck ...) and, when asked, pushed; returns the image id. The container is labelled
 * with `labels` and removed.
 */
export async function commitImage(
  docker: DockerClient,
  options: {
    base: string;
    script: string;
    reference: string;
    config: Record<string, unknown>;
    labels: Record<string, string>;
    push?: boolean;
  },
): Promise<string> {
  const { Id } = await docker.createContainer({
    Image: options.base,
    Cmd: ['sh', '-c', options.script],
    Labels: options.labels,
  });
  await docker.startContainer(Id);
  await docker.request('POST', `/containers/${Id}/wait`, { timeoutMs: 30_000 });
  const at = options.reference.lastIndexOf(':');
  const { Id: image } = await docker.request<{ Id: string }>('POST', '/commit', {
    query: { container: Id, repo: options.reference.slice(0, at), tag: options.reference.slice(at + 1) },
    body: options.config,
  });
  await docker.removeContainer(Id, { force: true });
  if (options.push) {
    for await (const _ of docker.pushImage(options.reference)) {
      // wait for the push to end
    }
  }
  return image;
}

/** Healthy while /healthy exists; looked at every 0.3 s, so tests see a verdict quickly. */
export const HEALTHCHECK = {
  Test: ['CMD-SHELL', 'test -f /healthy'],
  Interval: 300_000_000,
  Timeout: 1_000_000_000,
  Retries: 2,
};

/**
 * Commits the busybox image with /version (and /healthy unless `healthy` is false: the
 * HEALTHCHECK then fails) as `reference`, and pushes it: one version of an image to update to.
 */
export function publishVersion(
  docker: DockerClient,
  options: {
    base: string;
    reference: string;
    labels: Record<string, string>;
    version: string;
    healthy?: boolean;
  },
): Promise<string> {
  const { version, healthy = true } = options;
  return commitImage(docker, {
    base: options.base,
    script: `echo ${version} > /version${healthy ? ' && touch /healthy' : ''}`,
    reference: options.reference,
    labels: options.labels,
    config: { Cmd: ['sleep', '3600'], Labels: { ...options.labels, version }, Healthcheck: HEALTHCHECK },
    push: true,
  });
}
