// Networks and the containers attached to them.
import { call } from './api';

export interface Subnet {
  subnet: string;
  gateway: string | null;
  ipRange: string | null;
}

export interface AttachedContainer {
  id: string;
  name: string;
  ipv4: string | null;
  aliases: string[];
}

export interface Network {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  ipv6: boolean;
  builtin: boolean;
  subnets: Subnet[];
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string | null;
  containers: AttachedContainer[];
}

export interface NetworkInput {
  name: string;
  driver?: string;
  parent?: string;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam?: { subnet: string; gateway?: string; ipRange?: string }[];
}

export interface ConnectInput {
  container: string;
  aliases?: string[];
  ipv4Address?: string;
}

const base = (environmentId: number) => `/api/environments/${environmentId}/networks`;
const networkPath = (environmentId: number, network: string) =>
  `${base(environmentId)}/${encodeURIComponent(network)}`;

export const networksApi = {
  list: (environmentId: number) => call<Network[]>('GET', base(environmentId)),
  create: (environmentId: number, input: NetworkInput) => call<Network>('POST', base(environmentId), input),
  remove: (environmentId: number, network: string) =>
    call<void>('DELETE', networkPath(environmentId, network)),
  prune: (environmentId: number) => call<{ deleted: string[] }>('POST', `${base(environmentId)}/prune`, {}),
  connect: (environmentId: number, network: string, input: ConnectInput) =>
    call<void>('POST', `${networkPath(environmentId, network)}/connect`, input),
  disconnect: (environmentId: number, network: string, container: string) =>
    call<void>('POST', `${networkPath(environmentId, network)}/disconnect`, { container }),
};
