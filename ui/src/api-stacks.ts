// Compose stacks of an environment: list, detail, deploy, preview, history, rollback, actions.
import type {
  DeployProgress,
  Job,
  ProjectPlan,
  StackDetail,
  StackPreview,
  StackSummary,
  StackVariableView,
} from '../../src/docker/views.ts';
import type { StackRevision, StackVariableInput } from '../../src/store/records.ts';
import { call } from './api';

export type {
  DeployProgress,
  Job,
  ProjectPlan,
  StackDetail,
  StackPreview,
  StackRevision,
  StackSummary,
  StackVariableInput,
  StackVariableView,
};

export interface DeployInput {
  compose: string;
  env?: string;
  variables?: StackVariableInput[];
}

const base = (environmentId: number) => `api/environments/${environmentId}/stacks`;
const one = (environmentId: number, name: string) => `${base(environmentId)}/${encodeURIComponent(name)}`;

export const stacksApi = {
  list: (environmentId: number) => call<StackSummary[]>('GET', base(environmentId)),
  get: (environmentId: number, name: string) => call<StackDetail>('GET', one(environmentId, name)),
  create: (
    environmentId: number,
    name: string,
    input: DeployInput,
    origin: 'editor' | 'upload' | 'docker-run',
  ) => call<Job>('POST', base(environmentId), { name, ...input, origin }),
  update: (environmentId: number, name: string, input: DeployInput) =>
    call<Job>('PUT', one(environmentId, name), input),
  preview: (environmentId: number, name: string, input: DeployInput) =>
    call<StackPreview>('POST', `${one(environmentId, name)}/preview`, input),
  revisions: (environmentId: number, name: string) =>
    call<StackRevision[]>('GET', `${one(environmentId, name)}/revisions`),
  rollback: (environmentId: number, name: string, revision: number) =>
    call<Job>('POST', `${one(environmentId, name)}/rollback`, { revision }),
  action: (
    environmentId: number,
    name: string,
    action: 'start' | 'stop' | 'restart' | 'pull',
    service?: string,
  ) =>
    call<Job>(
      'POST',
      `${one(environmentId, name)}/${action}${service ? `?service=${encodeURIComponent(service)}` : ''}`,
    ),
  remove: (environmentId: number, name: string, volumes: boolean) =>
    call<void>('DELETE', `${one(environmentId, name)}${volumes ? '?volumes=1' : ''}`),
  logsUrl: (environmentId: number, name: string, service?: string) =>
    `${one(environmentId, name)}/logs?tail=300${service ? `&service=${encodeURIComponent(service)}` : ''}`,
};
