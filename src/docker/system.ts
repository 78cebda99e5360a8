// Disk usage by kind, the clean-up (a preview computed from the daemon's own lists, then the
// selected prunes), and the version checks the prunes need.
import { HttpError } from '../http/errors.ts';
import { compareVersions } from './api-version.ts';
import type { DockerClient } from './client.ts';
import { builtinNetworks, networkKeys, notOnPodman } from './podman.ts';
import type { ContainerSummary, NetworkSummary } from './types.ts';
import type { CleanupItem, CleanupPreview, DiskUsageSummary, PruneKind, PruneResult } from './views.ts';

const PRUNE_TIMEOUT_MS = 10 * 60_000;
/** What `docker container prune` removes: not running, paused or restarting. */
const STOPPED_STATES = new Set(['created', 'exited', 'dead']);

export interface DiskUsageAnswer {
  LayersSize?: number;
  Images?: DfImage[] | null;
  Containers?: DfContainer[] | null;
  Volumes?: DfVolume[] | null;
  BuildCache?: DfBuildCache[] | null;
}

interface DfImage {
  Id: string;
  RepoTags: string[] | null;
  Size: number;
  SharedSize: number;
  Containers: number;
  Labels: Record<string, string> | null;
  Created: number;
}

interface DfContainer {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  SizeRw?: number;
  Labels: Record<string, string> | null;
}

export interface DfVolume {
  Name: string;
  Labels: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

interface DfBuildCache {
  ID: string;
  Type: string;
  Description?: string;
  Size: number;
  InUse: boolean;
  Shared: boolean;
  LastUsedAt?: string | null;
}

/** The negotiated API version is at least `version` (some filters came later than 1.41). */
export async function apiAtLeast(client: DockerClient, version: string): Promise<boolean> {
  return compareVersions(await client.negotiate(), version) >= 0;
}

/**
 * /system/df; from API 1.42 on, only the kinds asked for are computed. Podman's answer names
 * each image by its tag alone ("latest"), gives no layers' total and leaves volumes' labels
 * out, so there its images come from the image list and volumes' labels from the volume list.
 */
export async function diskUsage(
  client: DockerClient,
  kinds?: ('image' | 'container' | 'volume' | 'build-cache')[],
): Promise<DiskUsageAnswer> {
  const typed = kinds && (await apiAtLeast(client, '1.42'));
  const query = typed ? `?${kinds.map((kind) => `type=${kind}`).join('&')}` : '';
  const df = client.request<DiskUsageAnswer>('GET', `/system/df${query}`, { timeoutMs: PRUNE_TIMEOUT_MS });
  if ((await client.engineKind()) !== 'podman') return df;
  const [answer, images, { Volumes: volumes }] = await Promise.all([
    df,
    client.request<DfImage[]>('GET', '/images/json', { timeoutMs: PRUNE_TIMEOUT_MS }),
    client.request<{ Volumes: DfVolume[] | null }>('GET', '/volumes', { timeoutMs: PRUNE_TIMEOUT_MS }),
  ]);
  const labels = new Map((volumes ?? []).map((volume) => [volume.Name, volume.Labels]));
  return {
    ...answer,
    LayersSize: undefined,
    Images: images,
    Volumes: (answer.Volumes ?? []).map((volume) => ({ ...volume, Labels: labels.get(volume.Name) ?? null })),
  };
}

/** Sizes and what a clean-up could reclaim, counted the way `docker system df` counts them. */
export function summarizeDiskUsage(df: DiskUsageAnswer): DiskUsageSummary {
  const images = df.Images ?? [];
  const containers = df.Containers ?? [];
  const volumes = df.Volumes ?? [];
  const cache = df.BuildCache ?? [];
  const imagesInUse = images.filter((image) => image.Containers > 0);
  const imagesSize = df.LayersSize ?? sum(images.map((image) => image.Size));
  const usedByImages = sum(imagesInUse.map((image) => image.Size - Math.max(image.SharedSize, 0)));
  const volumeSize = (volume: DfVolume) => Math.max(volume.UsageData?.Size ?? 0, 0);
  const unshared = cache.filter((record) => !record.Shared);
  const summary = {
    images: {
      count: images.length,
      active: imagesInUse.length,
      size: imagesSize,
      reclaimable: Math.max(imagesSize - usedByImages, 0),
    },
    containers: {
      count: containers.length,
      active: containers.filter((container) => container.State === 'running').length,
      size: sum(containers.map((container) => container.SizeRw ?? 0)),
      reclaimable: sum(
        containers
          .filter((container) => container.State !== 'running')
          .map((container) => container.SizeRw ?? 0),
      ),
    },
    volumes: {
      count: volumes.length,
      active: volumes.filter((volume) => (volume.UsageData?.RefCount ?? 0) > 0).length,
      size: sum(volumes.map(volumeSize)),
      reclaimable: sum(volumes.filter((volume) => volume.UsageData?.RefCount === 0).map(volumeSize)),
    },
    buildCache: {
      count: cache.length,
      active: cache.filter((record) => record.InUse).length,
      size: sum(unshared.map((record) => record.Size)),
      reclaimable: sum(unshared.filter((record) => !record.InUse).map((record) => record.Size)),
    },
  };
  const kinds = Object.values(summary);
  return {
    ...summary,
    total: {
      size: sum(kinds.map((kind) => kind.size)),
      reclaimable: sum(kinds.map((kind) => kind.reclaimable)),
    },
  };
}

export interface CleanupOptions {
  /** Images: every unused image, not only dangling ones. */
  allImages?: boolean;
  /** Only objects with this label: "key" or "key=value" (build cache has no labels). */
  label?: string;
}

/** What each prune would remove, from the daemon's lists (nothing is removed). */
export async function cleanupPreview(
  client: DockerClient,
  options: CleanupOptions = {},
): Promise<CleanupPreview> {
  const [df, containers, networks, engine] = await Promise.all([
    diskUsage(client),
    client.listContainers({ all: true }),
    client.request<NetworkSummary[]>('GET', '/networks'),
    client.engineKind(),
  ]);
  const builtin = builtinNetworks(engine);
  const matches = labelMatcher(options.label);
  const sizeOf = new Map((df.Containers ?? []).map((container) => [container.Id, container.SizeRw ?? 0]));
  const stopped = containers
    .filter((container) => STOPPED_STATES.has(container.State))
    .filter((container) => matches(container.Labels))
    .map((container) => ({
      id: container.Id,
      name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
      size: sizeOf.get(container.Id) ?? 0,
    }));
  const images = (df.Images ?? [])
    .filter((image) => (options.allImages ? image.Containers === 0 : isDangling(image)))
    .filter((image) => matches(image.Labels))
    .map((image) => ({
      id: image.Id,
      name:
        image.RepoTags?.find((tag) => tag !== '<none>:<none>') ??
        image.Id.replace(/^sha256:/, '').slice(0, 12),
      size: image.Size - Math.max(image.SharedSize, 0),
    }));
  const volumes = (df.Volumes ?? [])
    .filter((volume) => volume.UsageData?.RefCount === 0 && matches(volume.Labels))
    .map((volume) => ({
      id: volume.Name,
      name: volume.Name,
      size: Math.max(volume.UsageData?.Size ?? 0, 0),
    }));
  const attached = new Set(containers.flatMap((container) => networkIdsOf(container)));
  const unusedNetworks = networks
    .filter((network) => !builtin.has(network.Name) && network.Scope === 'local')
    .filter((network) => !networkKeys(network).some((key) => attached.has(key)))
    .filter((network) => matches(network.Labels as Record<string, string> | null))
    .map((network) => ({ id: network.Id, name: network.Name, size: 0 }));
  const cache = options.label
    ? []
    : (df.BuildCache ?? [])
        .filter((record) => !record.InUse)
        .map((record) => ({
          id: record.ID,
          name: record.Description ?? record.Type,
          size: record.Shared ? 0 : record.Size,
        }));
  const kind = (items: CleanupItem[]) => ({ items, reclaimable: sum(items.map((item) => item.size)) });
  return {
    containers: kind(stopped),
    images: kind(images),
    volumes: kind(volumes),
    networks: kind(unusedNetworks),
    buildCache: kind(cache),
  };
}

/** Runs the selected prunes, containers first so that what they held can go too. */
export async function prune(
  client: DockerClient,
  kinds: readonly PruneKind[],
  options: CleanupOptions = {},
): Promise<PruneResult> {
  if (kinds.includes('buildCache') && (await client.engineKind()) === 'podman')
    throw notOnPodman('buildCache');
  if (options.label && kinds.includes('buildCache')) {
    throw new HttpError(
      400,
      'LABEL_FILTER_UNSUPPORTED',
      'The build cache has no labels: leave it out or drop the label',
    );
  }
  const labelFilter: Record<string, string[]> = options.label ? { label: [options.label] } : {};
  const post = <T>(path: string, filters: Record<string, string[]>) =>
    client.request<T>('POST', path, {
      query: { filters: JSON.stringify(filters) },
      timeoutMs: PRUNE_TIMEOUT_MS,
    });
  const result: PruneResult = {};
  const wanted = new Set(kinds);
  if (wanted.has('containers')) {
    const answer = await post<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>(
      '/containers/prune',
      labelFilter,
    );
    result.containers = { deleted: answer.ContainersDeleted ?? [], spaceReclaimed: answer.SpaceReclaimed };
  }
  if (wanted.has('networks')) {
    const answer = await post<{ NetworksDeleted: string[] | null }>('/networks/prune', labelFilter);
    result.networks = { deleted: answer.NetworksDeleted ?? [], spaceReclaimed: 0 };
  }
  if (wanted.has('volumes')) result.volumes = await pruneVolumes(client, options.label);
  if (wanted.has('images')) {
    const answer = await post<{
      ImagesDeleted: { Untagged?: string; Deleted?: string }[] | null;
      SpaceReclaimed: number;
    }>('/images/prune', { ...labelFilter, dangling: [options.allImages ? 'false' : 'true'] });
    result.images = {
      deleted: (answer.ImagesDeleted ?? []).flatMap((item) => (item.Deleted ? [item.Deleted] : [])),
      spaceReclaimed: answer.SpaceReclaimed,
    };
  }
  if (wanted.has('buildCache')) {
    const answer = await client.request<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>(
      'POST',
      '/build/prune',
      { timeoutMs: PRUNE_TIMEOUT_MS },
    );
    result.buildCache = { deleted: answer.CachesDeleted ?? [], spaceReclaimed: answer.SpaceReclaimed };
  }
  return result;
}

/** Unused volumes, named ones included (API 1.42 and later prune only anonymous ones unless asked). */
export async function pruneVolumes(
  client: DockerClient,
  label?: string,
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  const filters: Record<string, string[]> = label ? { label: [label] } : {};
  if (await apiAtLeast(client, '1.42')) filters.all = ['true'];
  const answer = await client.request<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(
    'POST',
    '/volumes/prune',
    { query: { filters: JSON.stringify(filters) }, timeoutMs: PRUNE_TIMEOUT_MS },
  );
  return { deleted: answer.VolumesDeleted ?? [], spaceReclaimed: answer.SpaceReclaimed };
}

/** The Engine's events from `since` (epoch seconds) on, filtered; ends when `signal` aborts. */
export function engineEvents(
  client: DockerClient,
  filters: { type?: string[]; action?: string[]; container?: string[] },
  signal: AbortSignal,
  since?: number,
) {
  const engineFilters: Record<string, string[]> = {};
  if (filters.type?.length) engineFilters.type = filters.type;
  if (filters.action?.length) engineFilters.event = filters.action;
  if (filters.container?.length) engineFilters.container = filters.container;
  return client.events({ filters: engineFilters, signal, since });
}

export function networkIdsOf(container: ContainerSummary): string[] {
  const networks = (
    container.NetworkSettings as { Networks?: Record<string, { NetworkID?: string }> } | undefined
  )?.Networks;
  return Object.values(networks ?? {}).flatMap((network) => (network.NetworkID ? [network.NetworkID] : []));
}

function isDangling(image: DfImage): boolean {
  return (image.RepoTags ?? []).every((tag) => tag === '<none>:<none>');
}

function labelMatcher(
  label: string | undefined,
): (labels: Record<string, string> | null | undefined) => boolean {
  if (!label) return () => true;
  const equals = label.indexOf('=');
  const key = equals < 0 ? label : label.slice(0, equals);
  const value = equals < 0 ? undefined : label.slice(equals + 1);
  return (labels) => labels?.[key] !== undefined && (value === undefined || labels[key] === value);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
