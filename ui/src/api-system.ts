// Disk usage, the clean-up and the live events of an environment.
import type { DockerEvent as EngineEvent } from '../../src/docker/types.ts';
import {
  type CleanupPreview,
  type PruneResult as CleanupResult,
  type DiskUsageSummary as DiskUsage,
  type KindUsage,
  PRUNE_KINDS,
  type PruneKind,
} from '../../src/docker/views.ts';
import { call } from './api';

export type { CleanupPreview, CleanupResult, DiskUsage, EngineEvent, KindUsage, PruneKind };
export { PRUNE_KINDS };

export const KIND_LABELS: Record<PruneKind, string> = {
  containers: 'Stopped containers',
  images: 'Images',
  volumes: 'Unused volumes',
  networks: 'Unused networks',
  buildCache: 'Build cache',
};

export interface EventFilters {
  type: string;
  action: string;
  container: string;
}

const base = (environmentId: number) => `api/environments/${environmentId}/system`;

export const systemApi = {
  diskUsage: (environmentId: number) => call<DiskUsage>('GET', `${base(environmentId)}/df`),
  cleanupPreview: (environmentId: number, allImages: boolean) =>
    call<CleanupPreview>('GET', `${base(environmentId)}/cleanup?allImages=${allImages}`),
  cleanup: (environmentId: number, kinds: PruneKind[], allImages: boolean) =>
    call<CleanupResult>('POST', `${base(environmentId)}/cleanup`, { kinds, allImages }),
  /** The URL of the Server-Sent Events feed; empty filters are left out. */
  eventsUrl: (environmentId: number, filters: EventFilters) => {
    const query = new URLSearchParams(
      Object.entries(filters).filter(([, value]) => value.trim() !== ''),
    ).toString();
    return `${base(environmentId)}/events${query ? `?${query}` : ''}`;
  },
};

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
