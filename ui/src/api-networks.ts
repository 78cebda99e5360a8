// Networks and the containers attached to them.
import type {
  AttachedContainer,
  ConnectInput,
  NetworkView as Network,
  NetworkInput,
  SubnetView,
} from '../../src/docker/views.ts';
import { call } from './api';

export type { AttachedContainer, ConnectInput, Network, NetworkInput, SubnetView as Subnet };

const base = (environmentId: number) => `api/environments/${environmentId}/networks`;
const networkPath = (environmentId: number, network: string) =>
  `${base(environmentId)}/${encodeURIComponent(network)}`;

export const networksApi = {
  list: (environmentId: number) => call<Network[]>('GET', base(environmentId)),
  create: (environmentId: number, input: NetworkInput) => call<Network>('POST', base(environmentId), input),
  inspect: (environmentId: number, network: string) =>
    call<Network & { raw: unknown }>('GET', networkPath(environmentId, network)),
  remove: (environmentId: number, network: string) =>
    call<void>('DELETE', networkPath(environmentId, network)),
  prune: (environmentId: number) => call<{ deleted: string[] }>('POST', `${base(environmentId)}/prune`, {}),
  connect: (environmentId: number, network: string, input: ConnectInput) =>
    call<void>('POST', `${networkPath(environmentId, network)}/connect`, input),
  disconnect: (environmentId: number, network: string, container: string) =>
    call<void>('POST', `${networkPath(environmentId, network)}/disconnect`, { container }),
};
