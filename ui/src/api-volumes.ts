// Volumes and the files inside them.
import type {
  ContainerRef,
  EntryType,
  VolumeView as Volume,
  VolumeEntry,
  VolumeInput,
} from '../../src/docker/views.ts';
import { call } from './api';

export type { ContainerRef, EntryType, Volume, VolumeEntry, VolumeInput };

const base = (environmentId: number) => `api/environments/${environmentId}/volumes`;
const volumePath = (environmentId: number, volume: string) =>
  `${base(environmentId)}/${encodeURIComponent(volume)}`;
const query = (path: string) => `path=${encodeURIComponent(path)}`;

export const volumesApi = {
  list: (environmentId: number) => call<Volume[]>('GET', base(environmentId)),
  create: (environmentId: number, input: VolumeInput) => call<Volume>('POST', base(environmentId), input),
  inspect: (environmentId: number, volume: string) =>
    call<Volume & { raw: unknown }>('GET', volumePath(environmentId, volume)),
  remove: (environmentId: number, volume: string) => call<void>('DELETE', volumePath(environmentId, volume)),
  prune: (environmentId: number) =>
    call<{ deleted: string[]; spaceReclaimed: number }>('POST', `${base(environmentId)}/prune`, {}),

  browse: (environmentId: number, volume: string, path: string) =>
    call<{ path: string; entries: VolumeEntry[] }>(
      'GET',
      `${volumePath(environmentId, volume)}/browse?${query(path)}`,
    ),
  readText: (environmentId: number, volume: string, path: string) =>
    call<{ path: string; size: number; content: string }>(
      'GET',
      `${volumePath(environmentId, volume)}/browse/text?${query(path)}`,
    ),
  createFolder: (environmentId: number, volume: string, path: string, name: string) =>
    call<VolumeEntry>('POST', `${volumePath(environmentId, volume)}/browse/folder`, { path, name }),
  rename: (environmentId: number, volume: string, path: string, newName: string) =>
    call<VolumeEntry>('POST', `${volumePath(environmentId, volume)}/browse/rename`, { path, newName }),
  removeEntry: (environmentId: number, volume: string, path: string) =>
    call<void>('DELETE', `${volumePath(environmentId, volume)}/browse?${query(path)}`),
  upload: (environmentId: number, volume: string, path: string, files: File[]) => {
    const form = new FormData();
    for (const file of files) form.append('files', file);
    return call<VolumeEntry[]>(
      'POST',
      `${volumePath(environmentId, volume)}/browse/upload?${query(path)}`,
      form,
    );
  },
  importArchive: (environmentId: number, volume: string, archive: File) =>
    call<{ entries: number }>('POST', `${volumePath(environmentId, volume)}/import`, archive),

  /** Links the browser follows itself (downloads stream straight to disk). */
  downloadUrl: (environmentId: number, volume: string, path: string) =>
    `${volumePath(environmentId, volume)}/browse/download?${query(path)}`,
  exportUrl: (environmentId: number, volume: string) => `${volumePath(environmentId, volume)}/export`,
};
