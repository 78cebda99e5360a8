// Schedules: recurring work the daemon runs, and the kinds it knows.
import type { Schedule, ScheduleInput } from '../../src/store/records.ts';
import { call } from './api';

export type { Schedule, ScheduleInput };

export interface ScheduleKindView {
  kind: string;
  label: string;
  permission: string;
  environment: 'required' | 'none';
}

const one = (id: number) => `api/schedules/${id}`;

export const schedulesApi = {
  list: () => call<Schedule[]>('GET', 'api/schedules'),
  kinds: () => call<ScheduleKindView[]>('GET', 'api/schedules/kinds'),
  create: (input: ScheduleInput) => call<Schedule>('POST', 'api/schedules', input),
  update: (id: number, input: Partial<Omit<ScheduleInput, 'kind'>>) =>
    call<Schedule>('PATCH', one(id), input),
  remove: (id: number) => call<void>('DELETE', one(id)),
  run: (id: number) => call<Schedule>('POST', `${one(id)}/run`),
};
