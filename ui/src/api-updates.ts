// Image updates of one environment: the last check per container, a check now, history, and
// updating one container.
import type { ContainerUpdate, Job, UpdateRun } from '../../src/docker/views.ts';
import { call } from './api';

export type { ContainerUpdate, UpdateRun };

const base = (environmentId: number) => `api/environments/${environmentId}/updates`;

export const updatesApi = {
  last: (environmentId: number) => call<ContainerUpdate[]>('GET', base(environmentId)),
  check: (environmentId: number) => call<ContainerUpdate[]>('POST', `${base(environmentId)}/check`),
  history: (environmentId: number) => call<UpdateRun[]>('GET', `${base(environmentId)}/history`),
  update: (environmentId: number, containerId: string, options: { dryRun?: boolean; tag?: string } = {}) =>
    call<Job>('POST', `${base(environmentId)}/containers/${encodeURIComponent(containerId)}`, options),
};
