// Volumes: the list with sizes and the containers using each, create, inspect, remove (refused,
// naming the containers, while in use) and prune.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { DockerApiError } from './errors.ts';
import { type DfVolume, diskUsage } from './system.ts';
import type { ContainerSummary, VolumeSummary } from './types.ts';
import type { ContainerRef, VolumeInput, VolumeView } from './views.ts';
import { HELPER_LABEL } from './volume-helper.ts';

interface VolumeAnswer extends VolumeSummary {
  Scope?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  CreatedAt?: string;
  UsageData?: { Size: number; RefCount: number } | null;
}

interface MountSummary {
  Type: string;
  Name?: string;
}

export async function listVolumes(client: DockerClient): Promise<VolumeView[]> {
  const [volumes, df, containers] = await Promise.all([
    client.listVolumes() as Promise<VolumeAnswer[]>,
    diskUsage(client, ['volume']),
    client.listContainers({ all: true }),
  ]);
  const usage = new Map((df.Volumes ?? []).map((volume: DfVolume) => [volume.Name, volume.UsageData]));
  const users = usersByVolume(containers);
  return volumes
    .map((volume) => toView(volume, usage.get(volume.Name)?.Size, users.get(volume.Name) ?? []))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function inspectVolume(
  client: DockerClient,
  name: string,
): Promise<VolumeView & { raw: unknown }> {
  const [volume, containers] = await Promise.all([
    getVolume(client, name),
    client.listContainers({ all: true, filters: { volume: [name] } }),
  ]);
  return {
    ...toView(volume, volume.UsageData?.Size, usersByVolume(containers).get(name) ?? []),
    raw: volume,
  };
}

/** Creates a volume; unlike the Engine, refuses a name that is already taken. */
export async function createVolume(client: DockerClient, input: VolumeInput): Promise<VolumeView> {
  if (input.name && (await findVolume(client, input.name))) {
    throw new HttpError(409, 'VOLUME_EXISTS', `A volume named ${input.name} already exists`);
  }
  const created = await client.request<VolumeAnswer>('POST', '/volumes/create', {
    body: {
      Name: input.name ?? '',
      Driver: input.driver || 'local',
      DriverOpts: input.driverOptions ?? {},
      Labels: input.labels ?? {},
    },
  });
  return toView(created, undefined, []);
}

/** Removes a volume; while containers use it, refuses and names them. */
export async function removeVolume(client: DockerClient, name: string): Promise<void> {
  await getVolume(client, name);
  const users = usersByVolume(await client.listContainers({ all: true, filters: { volume: [name] } })).get(
    name,
  );
  if (users?.length) {
    const names = users.map((user) => `${user.name} (${user.state})`).join(', ');
    throw new HttpError(
      409,
      'VOLUME_IN_USE',
      `Volume ${name} is used by ${users.length === 1 ? 'container' : 'containers'} ${names}; remove ${users.length === 1 ? 'it' : 'them'} first`,
    );
  }
  await client.request('DELETE', `/volumes/${encodeURIComponent(name)}`);
}

async function getVolume(client: DockerClient, name: string): Promise<VolumeAnswer> {
  const volume = await findVolume(client, name);
  if (!volume) throw new HttpError(404, 'VOLUME_NOT_FOUND', `No volume named ${name}`);
  return volume;
}

async function findVolume(client: DockerClient, name: string): Promise<VolumeAnswer | undefined> {
  try {
    return await client.request<VolumeAnswer>('GET', `/volumes/${encodeURIComponent(name)}`);
  } catch (error) {
    if (error instanceof DockerApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Volume name -> the containers mounting it, Windflow's own helpers left out. */
function usersByVolume(containers: ContainerSummary[]): Map<string, ContainerRef[]> {
  const users = new Map<string, ContainerRef[]>();
  for (const container of containers) {
    if (container.Labels?.[HELPER_LABEL]) continue;
    for (const mount of (container.Mounts as MountSummary[] | undefined) ?? []) {
      if (mount.Type !== 'volume' || !mount.Name) continue;
      const list = users.get(mount.Name) ?? [];
      list.push({
        id: container.Id,
        name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
        state: container.State,
      });
      users.set(mount.Name, list);
    }
  }
  return users;
}

function toView(volume: VolumeAnswer, size: number | undefined, usedBy: ContainerRef[]): VolumeView {
  return {
    name: volume.Name,
    driver: volume.Driver,
    mountpoint: volume.Mountpoint,
    scope: volume.Scope ?? 'local',
    labels: volume.Labels ?? {},
    options: volume.Options ?? {},
    createdAt: volume.CreatedAt ?? null,
    size: size !== undefined && size >= 0 ? size : null,
    usedBy,
  };
}
