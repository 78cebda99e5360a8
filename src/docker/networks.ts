// Networks: the list with subnets and attached containers, create (bridge, macvlan/ipvlan with a
// parent, IPAM), inspect, connect with aliases and a fixed address, disconnect, remove (the
// built-in ones are protected) and prune.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { DockerApiError } from './errors.ts';
import { builtinNetworks, networkKeys, notOnPodman } from './podman.ts';
import type { ContainerSummary } from './types.ts';
import type { AttachedContainer, ConnectInput, NetworkInput, NetworkView } from './views.ts';

interface NetworkAnswer {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Internal: boolean;
  Attachable: boolean;
  EnableIPv6: boolean;
  Created?: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  IPAM: { Config: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null } | null;
  Containers?: Record<string, { Name: string; IPv4Address?: string }> | null;
}

interface ContainerNetworks {
  Networks?: Record<string, { NetworkID?: string; IPAddress?: string; Aliases?: string[] | null }>;
}

const PARENT_DRIVERS = new Set(['macvlan', 'ipvlan']);

export async function listNetworks(client: DockerClient): Promise<NetworkView[]> {
  const [networks, containers] = await Promise.all([
    client.request<NetworkAnswer[]>('GET', '/networks'),
    client.listContainers({ all: true }),
  ]);
  const attached = attachedByNetwork(containers);
  const builtin = builtinNetworks(await client.engineKind());
  return networks
    .map((network) => toView(network, attachedTo(attached, network), builtin))
    .sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.name.localeCompare(b.name));
}

export async function inspectNetwork(
  client: DockerClient,
  idOrName: string,
): Promise<NetworkView & { raw: unknown }> {
  const network = await getNetwork(client, idOrName);
  const containers = await client.listContainers({ all: true, filters: { network: [network.Id] } });
  const builtin = builtinNetworks(await client.engineKind());
  return { ...toView(network, attachedTo(attachedByNetwork(containers), network), builtin), raw: network };
}

export async function createNetwork(client: DockerClient, input: NetworkInput): Promise<NetworkView> {
  const driver = input.driver || 'bridge';
  if (input.parent !== undefined && !PARENT_DRIVERS.has(driver)) {
    throw new HttpError(
      400,
      'NETWORK_INVALID',
      `A parent interface is for macvlan and ipvlan networks, not ${driver}`,
    );
  }
  for (const pool of input.ipam ?? []) assertValidPool(pool);
  const kind = await client.engineKind();
  if (kind === 'podman' && input.attachable) throw notOnPodman('attachable');
  const options = { ...input.options, ...(input.parent ? { parent: input.parent } : {}) };
  const { Id } = await client.request<{ Id: string }>('POST', '/networks/create', {
    body: {
      Name: input.name,
      Driver: driver,
      CheckDuplicate: true,
      Internal: input.internal ?? false,
      Attachable: input.attachable ?? false,
      EnableIPv6: input.enableIPv6 ?? false,
      Labels: input.labels ?? {},
      Options: options,
      IPAM: {
        Driver: 'default',
        Config: (input.ipam ?? []).map((pool) => ({
          Subnet: pool.subnet,
          ...(pool.gateway ? { Gateway: pool.gateway } : {}),
          ...(pool.ipRange ? { IPRange: pool.ipRange } : {}),
        })),
      },
    },
  });
  return toView(await getNetwork(client, Id), [], builtinNetworks(kind));
}

export async function connectContainer(
  client: DockerClient,
  idOrName: string,
  input: ConnectInput,
): Promise<void> {
  const network = await getNetwork(client, idOrName);
  if (input.ipv4Address !== undefined && parseIPv4(input.ipv4Address) === undefined) {
    throw new HttpError(400, 'NETWORK_INVALID', `${input.ipv4Address} is not an IPv4 address`);
  }
  await client.request('POST', `/networks/${network.Id}/connect`, {
    body: {
      Container: input.container,
      EndpointConfig: {
        Aliases: input.aliases ?? [],
        ...(input.ipv4Address ? { IPAMConfig: { IPv4Address: input.ipv4Address } } : {}),
      },
    },
  });
}

export async function disconnectContainer(
  client: DockerClient,
  idOrName: string,
  container: string,
  force = false,
): Promise<void> {
  const network = await getNetwork(client, idOrName);
  await client.request('POST', `/networks/${network.Id}/disconnect`, {
    body: { Container: container, Force: force },
  });
}

/** Removes a network; the built-in ones and networks with containers attached are refused. */
export async function removeNetwork(client: DockerClient, idOrName: string): Promise<void> {
  const network = await getNetwork(client, idOrName);
  const kind = await client.engineKind();
  if (builtinNetworks(kind).has(network.Name)) {
    throw new HttpError(
      409,
      'NETWORK_BUILTIN',
      `${network.Name} is one of ${kind === 'podman' ? 'Podman' : 'Docker'}'s built-in networks and cannot be removed`,
    );
  }
  const attached = Object.values(network.Containers ?? {}).map((container) => container.Name);
  if (attached.length > 0) {
    throw new HttpError(
      409,
      'NETWORK_IN_USE',
      `Network ${network.Name} has ${attached.length === 1 ? 'container' : 'containers'} ${attached.join(', ')} attached; disconnect ${attached.length === 1 ? 'it' : 'them'} first`,
    );
  }
  await client.request('DELETE', `/networks/${network.Id}`);
}

export async function pruneNetworks(client: DockerClient, label?: string): Promise<{ deleted: string[] }> {
  const answer = await client.request<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', {
    query: { filters: JSON.stringify(label ? { label: [label] } : {}) },
  });
  return { deleted: answer.NetworksDeleted ?? [] };
}

async function getNetwork(client: DockerClient, idOrName: string): Promise<NetworkAnswer> {
  try {
    return await client.request<NetworkAnswer>('GET', `/networks/${encodeURIComponent(idOrName)}`);
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) {
      throw new HttpError(404, 'NETWORK_NOT_FOUND', `No network ${idOrName}`);
    }
    throw error;
  }
}

function attachedTo(attached: Map<string, AttachedContainer[]>, network: NetworkAnswer): AttachedContainer[] {
  for (const key of networkKeys(network)) {
    const containers = attached.get(key);
    if (containers) return containers;
  }
  return [];
}

function attachedByNetwork(containers: ContainerSummary[]): Map<string, AttachedContainer[]> {
  const attached = new Map<string, AttachedContainer[]>();
  for (const container of containers) {
    const networks = (container.NetworkSettings as ContainerNetworks | undefined)?.Networks ?? {};
    for (const endpoint of Object.values(networks)) {
      if (!endpoint.NetworkID) continue;
      const list = attached.get(endpoint.NetworkID) ?? [];
      list.push({
        id: container.Id,
        name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
        ipv4: endpoint.IPAddress || null,
        aliases: endpoint.Aliases ?? [],
      });
      attached.set(endpoint.NetworkID, list);
    }
  }
  return attached;
}

function toView(
  network: NetworkAnswer,
  containers: AttachedContainer[],
  builtin: ReadonlySet<string>,
): NetworkView {
  return {
    id: network.Id,
    name: network.Name,
    driver: network.Driver,
    scope: network.Scope,
    internal: network.Internal,
    attachable: network.Attachable,
    ipv6: network.EnableIPv6,
    builtin: builtin.has(network.Name),
    subnets: (network.IPAM?.Config ?? []).flatMap((pool) =>
      pool.Subnet
        ? [{ subnet: pool.Subnet, gateway: pool.Gateway || null, ipRange: pool.IPRange || null }]
        : [],
    ),
    labels: network.Labels ?? {},
    options: network.Options ?? {},
    createdAt: network.Created ?? null,
    containers,
  };
}

/** IPv4 pools are checked here for a clear message; IPv6 ones are left to the daemon. */
function assertValidPool(pool: { subnet: string; gateway?: string; ipRange?: string }): void {
  const invalid = (message: string) => new HttpError(400, 'NETWORK_INVALID', message);
  if (pool.subnet.includes(':')) return;
  const subnet = parseCidr(pool.subnet);
  if (!subnet) throw invalid(`Subnet ${pool.subnet} is not an IPv4 CIDR such as 172.30.0.0/16`);
  if (pool.gateway) {
    const gateway = parseIPv4(pool.gateway);
    if (gateway === undefined) throw invalid(`Gateway ${pool.gateway} is not an IPv4 address`);
    if (!subnet.contains(gateway)) throw invalid(`Gateway ${pool.gateway} is outside subnet ${pool.subnet}`);
  }
  if (pool.ipRange) {
    const range = parseCidr(pool.ipRange);
    if (!range) throw invalid(`IP range ${pool.ipRange} is not an IPv4 CIDR`);
    if (!subnet.contains(range.first) || range.prefix < subnet.prefix) {
      throw invalid(`IP range ${pool.ipRange} is outside subnet ${pool.subnet}`);
    }
  }
}

function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function parseCidr(text: string) {
  const [address = '', prefixText = ''] = text.split('/');
  const first = parseIPv4(address);
  const prefix = Number(prefixText);
  if (first === undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = first - (first % size);
  return { first: base, prefix, contains: (ip: number) => ip >= base && ip < base + size };
}
