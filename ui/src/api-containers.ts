// Containers of an environment: list rows, detail, the form's spec, actions and live streams.
// The shapes come from the server's own definitions.
import type {
  BulkResult,
  ContainerDetail,
  ContainerView as ContainerRow,
  ContainerSpec,
  MountSpec,
  NetworkSpec,
  PortSpec,
  PortView,
  Rates,
  Usage as UsageReading,
} from '../../src/docker/views.ts';
import { call } from './api';

export type {
  BulkResult,
  ContainerDetail,
  ContainerRow,
  ContainerSpec,
  MountSpec,
  NetworkSpec,
  PortSpec,
  PortView,
};

/** A reading; the live stats add the rates since the one before. */
export type Usage = UsageReading & Partial<Rates>;

export const CONTAINER_ACTIONS = ['start', 'stop', 'restart', 'pause', 'unpause', 'kill', 'remove'] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

const base = (environmentId: number) => `api/environments/${environmentId}/containers`;
const one = (environmentId: number, id: string) => `${base(environmentId)}/${encodeURIComponent(id)}`;

export const containersApi = {
  list: (environmentId: number) => call<ContainerRow[]>('GET', `${base(environmentId)}?all=1`),
  row: (environmentId: number, id: string) => call<ContainerRow>('GET', `${one(environmentId, id)}/summary`),
  usageUrl: (environmentId: number) => `${base(environmentId)}/usage`,
  detail: (environmentId: number, id: string) => call<ContainerDetail>('GET', one(environmentId, id)),
  spec: (environmentId: number, id: string) => call<ContainerSpec>('GET', `${one(environmentId, id)}/spec`),
  create: (environmentId: number, spec: ContainerSpec) =>
    call<{ id: string }>('POST', base(environmentId), spec),
  update: (environmentId: number, id: string, spec: ContainerSpec) =>
    call<{ id: string }>('PUT', one(environmentId, id), spec),
  rename: (environmentId: number, id: string, name: string) =>
    call<void>('POST', `${one(environmentId, id)}/rename`, { name }),
  act: (environmentId: number, id: string, action: ContainerAction) =>
    action === 'remove'
      ? call<void>('DELETE', one(environmentId, id))
      : call<void>('POST', `${one(environmentId, id)}/${action}`),
  bulk: (environmentId: number, ids: string[], action: ContainerAction) =>
    call<BulkResult[]>('POST', `${base(environmentId)}/bulk/${action}`, { ids }),
  top: (environmentId: number, id: string) =>
    call<{ titles: string[]; processes: string[][] }>('GET', `${one(environmentId, id)}/top`),
  logsUrl: (environmentId: number, id: string, options: { tail: number | 'all'; since?: number }) =>
    `${one(environmentId, id)}/logs?tail=${options.tail}${options.since ? `&since=${options.since}` : ''}`,
  logsDownloadUrl: (environmentId: number, id: string) => `${one(environmentId, id)}/logs/download`,
  statsUrl: (environmentId: number, id: string) => `${one(environmentId, id)}/stats`,
  filesUrl: (environmentId: number, id: string, path: string) =>
    `${one(environmentId, id)}/files?path=${encodeURIComponent(path)}`,
  upload: (environmentId: number, id: string, path: string, files: File[]) => {
    const form = new FormData();
    for (const file of files) form.append('files', file);
    return call<{ uploaded: string[] }>(
      'POST',
      `${one(environmentId, id)}/files?path=${encodeURIComponent(path)}`,
      form,
    );
  },
  terminalUrl: (
    environmentId: number,
    id: string,
    options: { mode: 'exec' | 'attach'; shell?: string; user?: string; cols: number; rows: number },
  ) => {
    const query = new URLSearchParams({
      mode: options.mode,
      cols: String(options.cols),
      rows: String(options.rows),
    });
    if (options.shell) query.set('shell', options.shell);
    if (options.user) query.set('user', options.user);
    // Relative to the page's <base>, like every API path, so it also works under a proxy's prefix.
    const url = new URL(`${one(environmentId, id)}/terminal?${query}`, document.baseURI);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  },
};
