// Image updates of one environment: the last check per container, a check now, history, and
// updating one container.
import type { ContainerUpdate, Gate, Job, UpdateRun } from '../../src/docker/views.ts';
import { call } from './api';

export { GATES, UPDATE_MODES } from '../../src/docker/views.ts';
export type { ContainerUpdate, UpdateRun };

export interface UpdateOptions {
  dryRun?: boolean;
  tag?: string;
  gate?: Gate;
  graceSeconds?: number;
}

/** What a dry run answers. */
export interface UpdateResult {
  outcome: string;
  container: string;
  fromImage: string;
  toImage: string;
  detail: string;
}

const base = (environmentId: number) => `api/environments/${environmentId}/updates`;

export const updatesApi = {
  last: (environmentId: number) => call<ContainerUpdate[]>('GET', base(environmentId)),
  check: (environmentId: number) => call<ContainerUpdate[]>('POST', `${base(environmentId)}/check`),
  history: (environmentId: number) => call<UpdateRun[]>('GET', `${base(environmentId)}/history`),
  /** A job to follow; a dry run answers at once with what would happen. */
  update: (environmentId: number, containerId: string, options: UpdateOptions = {}) =>
    call<Job | UpdateResult>(
      'POST',
      `${base(environmentId)}/containers/${encodeURIComponent(containerId)}`,
      options,
    ),
};
