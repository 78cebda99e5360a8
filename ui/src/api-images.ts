// Images of an environment, and the background jobs that pull and push them.
import type { HistoryLayer, ImageView, Job, LayerProgress } from '../../src/docker/views.ts';
import { call } from './api';

export type { HistoryLayer, Job };
export type Image = ImageView;

/** What a pull or push job reports. */
export type JobReport = ({ kind: 'layer' } & LayerProgress) | { kind: 'status'; status: string };

const base = (environmentId: number) => `api/environments/${environmentId}/images`;
const ref = (reference: string) => `ref=${encodeURIComponent(reference)}`;

export const imagesApi = {
  list: (environmentId: number) => call<Image[]>('GET', base(environmentId)),
  inspect: (environmentId: number, reference: string) =>
    call<Record<string, unknown>>('GET', `${base(environmentId)}/inspect?${ref(reference)}`),
  history: (environmentId: number, reference: string) =>
    call<HistoryLayer[]>('GET', `${base(environmentId)}/history?${ref(reference)}`),
  pull: (environmentId: number, reference: string, registryId?: number) =>
    call<Job>('POST', `${base(environmentId)}/pull`, { reference, ...(registryId ? { registryId } : {}) }),
  push: (environmentId: number, reference: string) =>
    call<Job>('POST', `${base(environmentId)}/push`, { reference }),
  tag: (environmentId: number, source: string, target: string) =>
    call<void>('POST', `${base(environmentId)}/tag`, { source, target }),
  untag: (environmentId: number, tag: string) => call<void>('POST', `${base(environmentId)}/untag`, { tag }),
  remove: (environmentId: number, reference: string, force: boolean) =>
    call<void>('DELETE', `${base(environmentId)}?${ref(reference)}${force ? '&force=true' : ''}`),
  prune: (environmentId: number, all: boolean) =>
    call<{ deleted: string[]; spaceReclaimed: number }>('POST', `${base(environmentId)}/prune`, { all }),
  exportUrl: (environmentId: number, reference: string) => `${base(environmentId)}/export?${ref(reference)}`,
  importArchive: (environmentId: number, archive: File) =>
    call<{ loaded: string[] }>('POST', `${base(environmentId)}/import`, archive),
  jobs: (environmentId: number) => call<Job[]>('GET', `api/environments/${environmentId}/jobs`),
  jobEventsUrl: (environmentId: number, jobId: string) =>
    `api/environments/${environmentId}/jobs/${jobId}/events`,
};
