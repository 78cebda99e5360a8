// Update checks: for each container, the digest its image was pulled as against the digest its
// tag has in the registry now (a HEAD on the manifest; a multi-architecture list resolved for
// the engine's platform when the list digest differs), and newer semver tags when the tag is a
// version. Saved registry credentials and the token flow come from RegistryClient; registry
// answers are cached for a while, so that a page refresh or a second schedule does not ask again,
// and a registry that says "slow down" (429) is not asked again during the run.

import semver from 'semver';
import type { DockerClient } from '../docker/client.ts';
import { LABEL } from '../docker/compose/labels.ts';
import { normalizeRegistryHost, registryHostOf, splitReference } from '../docker/image-reference.ts';
import { RegistryClient, RegistryError } from '../docker/registry-client.ts';
import type { ContainerSummary } from '../docker/types.ts';
import type { ContainerUpdate, NewerTag, TagDigest } from '../docker/views.ts';
import type { RegistryStore } from '../store/registries.ts';
import type { ImageCheck, UpdateStore } from '../store/updates.ts';

export interface RegistryTarget {
  /** The registry's API root, e.g. https://registry-1.docker.io. */
  url: string;
  repository: string;
  tag: string;
}

const DEFAULT_TTL_MS = 10 * 60_000;
const CONCURRENCY = 4;
const VERSION_TAG = /^(v?)(\d+\.\d+\.\d+)(-[0-9A-Za-z.-]+)?$/;

/** Where a reference's tag lives; undefined for a reference pinned by digest or an image id. */
export function registryTarget(reference: string, savedUrl?: string): RegistryTarget | undefined {
  if (reference.includes('@') || reference.startsWith('sha256:')) return undefined;
  const { name, tag = 'latest' } = splitReference(reference);
  const host = registryHostOf(reference);
  const first = name.split('/')[0] ?? '';
  const explicitHost = name.includes('/') && normalizeRegistryHost(first) === host && first !== name;
  let repository = explicitHost ? name.slice(first.length + 1) : name;
  if (host === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const loopback = /^(127\.|localhost(:|$)|\[::1\])/.test(host);
  const url =
    savedUrl ??
    (host === 'docker.io' ? 'https://registry-1.docker.io' : `${loopback ? 'http' : 'https'}://${host}`);
  return { url, repository, tag };
}

/** Newer versions of a version tag, the newest per kind of bump; same prefix and suffix only. */
export function newerVersionTags(current: string, tags: string[]): NewerTag[] {
  const mine = VERSION_TAG.exec(current);
  if (!mine) return [];
  const [, prefix, version = '', suffix = ''] = mine;
  const best = new Map<NewerTag['bump'], { tag: string; version: string }>();
  for (const tag of tags) {
    const theirs = VERSION_TAG.exec(tag);
    if (!theirs || theirs[1] !== prefix || (theirs[3] ?? '') !== suffix) continue;
    const candidate = theirs[2] ?? '';
    if (!semver.valid(candidate) || !semver.gt(candidate, version)) continue;
    const bump = semver.diff(version, candidate);
    if (bump !== 'patch' && bump !== 'minor' && bump !== 'major') continue;
    const kept = best.get(bump);
    if (!kept || semver.gt(candidate, kept.version)) best.set(bump, { tag, version: candidate });
  }
  return (['patch', 'minor', 'major'] as const).flatMap((bump) => {
    const found = best.get(bump);
    return found ? [{ tag: found.tag, bump }] : [];
  });
}

export class UpdateChecker {
  private readonly remote = new Map<
    string,
    { at: number; digest: string; platforms?: TagDigest['platforms'] }
  >();
  private readonly tagLists = new Map<string, { at: number; tags: string[] }>();
  private readonly clients = new Map<string, RegistryClient>();

  constructor(
    private readonly registries: RegistryStore,
    private readonly store: UpdateStore,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /** Checks every container's image on the engine and saves what it found. */
  async checkEnvironment(
    environmentId: number,
    docker: DockerClient,
    options: { fresh?: boolean } = {},
  ): Promise<ContainerUpdate[]> {
    const containers = await withReferences(docker, await docker.listContainers({ all: true }));
    const platform = await docker.request<{ Os: string; Arch: string }>('GET', '/version');
    const images = [...new Map(containers.map((each) => [`${each.Image}\n${each.ImageID}`, each])).values()];
    const checks = new Map<string, ImageCheck>();
    const slowedDown = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < images.length) {
        const container = images[next++];
        if (!container) continue;
        const check = await this.checkImage(docker, container.Image, String(container.ImageID), platform, {
          fresh: options.fresh ?? false,
          slowedDown,
        });
        checks.set(`${container.Image}\n${container.ImageID}`, check);
        await this.store.saveCheck(environmentId, check);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return containers.map((container) => {
      const check = checks.get(`${container.Image}\n${container.ImageID}`);
      return containerUpdate(container, check);
    });
  }

  /** The last saved results, for the list and the updates page, without asking registries. */
  async lastResults(environmentId: number, docker: DockerClient): Promise<ContainerUpdate[]> {
    const [containers, checks] = await Promise.all([
      docker.listContainers({ all: true }).then((list) => withReferences(docker, list)),
      this.store.checks(environmentId),
    ]);
    return containers.map((container) => containerUpdate(container, checks.get(container.Image)));
  }

  private async checkImage(
    docker: DockerClient,
    reference: string,
    imageId: string,
    platform: { Os: string; Arch: string },
    run: { fresh: boolean; slowedDown: Set<string> },
  ): Promise<ImageCheck> {
    const checkedAt = new Date().toISOString();
    const base: ImageCheck = {
      image: reference,
      localDigest: null,
      remoteDigest: null,
      status: 'unknown',
      newerTags: [],
      error: null,
      checkedAt,
    };
    const saved = await this.registries.findByHost(registryHostOf(reference));
    const target = registryTarget(reference, saved?.url);
    if (!target) return { ...base, error: 'pinned by digest or id: there is no tag to follow' };
    const { name } = splitReference(reference);
    const localDigests = ((await docker.inspectImage(imageId).catch(() => undefined))?.RepoDigests ?? [])
      .filter((entry) => entry.startsWith(`${name}@`))
      .map((entry) => entry.slice(name.length + 1));
    base.localDigest = localDigests[0] ?? null;
    if (run.slowedDown.has(target.url))
      return { ...base, error: `${target.url} asked to slow down; checked next time` };
    try {
      const client = await this.clientFor(target.url, saved?.id);
      const remote = await this.remoteDigest(client, target, run.fresh);
      let status: ImageCheck['status'] = localDigests.includes(remote.digest) ? 'current' : 'available';
      if (status === 'available' && localDigests.length === 0) status = 'unknown';
      if (status === 'available') {
        // A multi-architecture list: the engine may hold its platform's manifest digest instead.
        const resolved = remote.platforms ? remote : await this.remoteDigest(client, target, run.fresh, true);
        const mine = resolved.platforms?.find(
          (entry) => entry.os === platform.Os && entry.architecture === platform.Arch,
        );
        if (mine && localDigests.includes(mine.digest)) status = 'current';
      }
      const newerTags = VERSION_TAG.test(target.tag)
        ? newerVersionTags(target.tag, await this.tags(client, target, run.fresh))
        : [];
      return {
        ...base,
        remoteDigest: remote.digest,
        status,
        newerTags,
        error:
          status === 'unknown'
            ? 'the running image was not pulled from a registry (no digest to compare)'
            : null,
      };
    } catch (error) {
      if (error instanceof RegistryError && error.status === 429) run.slowedDown.add(target.url);
      return { ...base, status: 'error', error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async clientFor(url: string, registryId?: number): Promise<RegistryClient> {
    let client = this.clients.get(url);
    if (!client) {
      const credentials = registryId ? await this.registries.credentials(registryId) : undefined;
      client = new RegistryClient(url, credentials);
      this.clients.set(url, client);
    }
    return client;
  }

  /** Credentials changed: forget the clients (and their tokens). */
  forgetCredentials(): void {
    this.clients.clear();
  }

  private async remoteDigest(
    client: RegistryClient,
    target: RegistryTarget,
    fresh: boolean,
    withPlatforms = false,
  ): Promise<{ at: number; digest: string; platforms?: TagDigest['platforms'] }> {
    const key = `${target.url}/${target.repository}:${target.tag}`;
    const cached = this.remote.get(key);
    if (!fresh && cached && Date.now() - cached.at < this.ttlMs && (!withPlatforms || cached.platforms))
      return cached;
    const head = withPlatforms ? undefined : await client.headDigest(target.repository, target.tag);
    const answer = head
      ? { at: Date.now(), digest: head }
      : await client.digest(target.repository, target.tag).then((found) => ({ at: Date.now(), ...found }));
    this.remote.set(key, answer);
    return answer;
  }

  private async tags(client: RegistryClient, target: RegistryTarget, fresh: boolean): Promise<string[]> {
    const key = `${target.url}/${target.repository}`;
    const cached = this.tagLists.get(key);
    if (!fresh && cached && Date.now() - cached.at < this.ttlMs) return cached.tags;
    const tags = await client.tags(target.repository);
    this.tagLists.set(key, { at: Date.now(), tags });
    return tags;
  }
}

/**
 * The list shows an image id instead of the reference once the tag has moved on (a newer pull);
 * the container's own configuration still has the reference it was created from.
 */
async function withReferences(
  docker: DockerClient,
  containers: ContainerSummary[],
): Promise<ContainerSummary[]> {
  return Promise.all(
    containers.map(async (container) => {
      if (!/^(sha256:)?[0-9a-f]{12,64}$/.test(container.Image)) return container;
      const inspect = await docker.inspectContainer(container.Id).catch(() => undefined);
      return inspect ? { ...container, Image: inspect.Config.Image } : container;
    }),
  );
}

function containerUpdate(container: ContainerSummary, check: ImageCheck | undefined): ContainerUpdate {
  const project = container.Labels[LABEL.project];
  const service = container.Labels[LABEL.service];
  return {
    containerId: container.Id,
    containerName: (container.Names[0] ?? '').replace(/^\//, ''),
    image: container.Image,
    stack: project && service ? { project, service } : null,
    status: check?.status ?? 'unknown',
    localDigest: check?.localDigest ?? null,
    remoteDigest: check?.remoteDigest ?? null,
    newerTags: check?.newerTags ?? [],
    error: check?.error ?? null,
    checkedAt: check?.checkedAt ?? null,
  };
}
