// Host-level powers: what in an Engine create body reaches past Docker's isolation onto the host
// (host paths, the Docker socket, privileged mode, added capabilities, devices, host namespaces,
// unconfined security profiles). Asking for any of them needs the `host:access` permission on the
// environment, unless the environment's policy opens that power to everyone who may create
// containers there. Pure: the container routes and the Compose engine give it each create body.
import { posix } from 'node:path';
import { HttpError } from '../http/errors.ts';
import type { HostAccessPolicy, OpenableHostPower } from '../store/records.ts';

export type { HostAccessPolicy, OpenableHostPower } from '../store/records.ts';

/** Powers an environment may open to people without `host:access` (Portainer's toggles, off by default). */
export const OPENABLE_HOST_POWERS = [
  'privileged',
  'capabilities',
  'devices',
  'host-namespaces',
  'security-options',
] as const satisfies readonly OpenableHostPower[];

export const CLOSED_HOST_POLICY: HostAccessPolicy = { allowedBindPaths: [], openPowers: [] };

export type HostPowerKind = OpenableHostPower | 'bind-mount' | 'docker-socket' | 'shared-container';

export interface HostPower {
  kind: HostPowerKind;
  /** What was asked, in words: "bind-mounts /etc (outside the allowed host paths)". */
  reason: string;
}

/** The parts of a /containers/create body (or of a container's inspect) this looks at. */
export interface EngineCreateBody {
  HostConfig?: Record<string, unknown> | null;
  [field: string]: unknown;
}

/** Another container whose namespaces or volumes a body shares, as its inspect shows it. */
export interface JoinedContainer {
  HostConfig?: Record<string, unknown> | null;
  Mounts?: { Type?: string; Source?: string }[] | null;
}

export interface HostPowerOptions {
  /** The containers named by `container:X` modes and VolumesFrom (see joinedContainers), by that name. */
  joined?: ReadonlyMap<string, JoinedContainer>;
  /** Sockets of the Docker or Podman daemon besides the usual places (e.g. the environment's own). */
  dockerSockets?: readonly string[];
}

const WELL_KNOWN_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/podman/podman.sock',
  '/run/podman/podman.sock',
];
const NAMESPACE_MODES = [
  ['NetworkMode', 'network'],
  ['PidMode', 'PID'],
  ['IpcMode', 'IPC'],
  ['UTSMode', 'UTS'],
  ['UsernsMode', 'user'],
  ['CgroupnsMode', 'cgroup'],
] as const;
/** Security options that do not loosen confinement. */
const HARMLESS_SECURITY_OPTION =
  /^(no-new-privileges(?:[=:](?:true|false))?|label[=:](?:level|user|role):.*)$/;
/** Network filesystems a local-driver volume may mount without touching the host's own disks. */
const NETWORK_FILESYSTEMS = new Set(['nfs', 'nfs4', 'cifs', 'smb', 'smb3', 'tmpfs']);

/** The host powers the body asks for that the policy does not open; empty when none. */
export function hostPowers(
  body: EngineCreateBody,
  policy: HostAccessPolicy,
  options: HostPowerOptions = {},
): HostPower[] {
  const host = body.HostConfig ?? {};
  const sockets = [...WELL_KNOWN_SOCKETS, ...(options.dockerSockets ?? [])].map(normalizeHostPath);
  const powers: HostPower[] = [
    ...bindSources(host).flatMap((source) => bindPowers(source, policy, sockets)),
    ...volumeMountPowers(host, policy, sockets),
  ];
  if (host.Privileged === true) powers.push({ kind: 'privileged', reason: 'runs privileged' });
  const capAdd = strings(host.CapAdd);
  if (capAdd.length > 0) {
    powers.push({ kind: 'capabilities', reason: `adds the capabilities ${capAdd.join(', ')}` });
  }
  const devices = [
    ...((host.Devices as { PathOnHost?: string }[] | null) ?? []).map(
      (device) => `the device ${device.PathOnHost ?? '?'}`,
    ),
    ...((host.DeviceRequests as unknown[] | null) ?? []).map(() => 'a device request (e.g. GPUs)'),
    ...strings(host.DeviceCgroupRules).map((rule) => `the device cgroup rule "${rule}"`),
  ];
  for (const device of devices) powers.push({ kind: 'devices', reason: `uses ${device}` });
  for (const [field, namespace] of NAMESPACE_MODES) {
    if (host[field] === 'host') {
      powers.push({ kind: 'host-namespaces', reason: `shares the host's ${namespace} namespace` });
    }
  }
  for (const option of strings(host.SecurityOpt)) {
    if (!HARMLESS_SECURITY_OPTION.test(option)) {
      powers.push({ kind: 'security-options', reason: `sets the security option "${shorten(option)}"` });
    }
  }
  for (const field of ['MaskedPaths', 'ReadonlyPaths'] as const) {
    if (Array.isArray(host[field]) && (host[field] as unknown[]).length === 0) {
      powers.push({ kind: 'security-options', reason: `unmasks the kernel's paths (empty ${field})` });
    }
  }
  powers.push(...sharedContainerPowers(host, policy, options.joined ?? new Map(), sockets));
  return powers.filter((power) => !(policy.openPowers as string[]).includes(power.kind));
}

/** The containers a body shares namespaces (`container:X`) or volumes (VolumesFrom) with. */
export function joinedContainers(body: EngineCreateBody): string[] {
  const host = body.HostConfig ?? {};
  const names = [
    ...NAMESPACE_MODES.map(([field]) => host[field]).filter(
      (mode): mode is string => typeof mode === 'string' && mode.startsWith('container:'),
    ),
  ].map((mode) => mode.slice('container:'.length));
  names.push(...strings(host.VolumesFrom).map((entry) => entry.replace(/:(ro|rw)$/, '')));
  return [...new Set(names)];
}

/** Refuses with 403 HOST_ACCESS_REQUIRED, naming each power, unless the caller has `host:access`. */
export function assertHostAccess(powers: HostPower[], hasHostAccess: boolean, environmentId: number): void {
  if (powers.length === 0 || hasHostAccess) return;
  throw new HttpError(
    403,
    'HOST_ACCESS_REQUIRED',
    `You need the host:access permission on environment ${environmentId}: the container ${powers
      .map((power) => power.reason)
      .join('; ')}`,
  );
}

/** "/srv//data/../x/" -> "/srv/x"; relative paths stay relative (they are volume names). */
export function normalizeHostPath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** Whether a host path is one of the policy's allowed directories or below one. */
export function isAllowedBindPath(path: string, policy: HostAccessPolicy): boolean {
  const normal = normalizeHostPath(path);
  return policy.allowedBindPaths.some((allowed) => {
    const root = normalizeHostPath(allowed);
    return root.startsWith('/') && (root === '/' || normal === root || normal.startsWith(`${root}/`));
  });
}

function bindPowers(source: string, policy: HostAccessPolicy, sockets: string[]): HostPower[] {
  const path = normalizeHostPath(source);
  const exposed = sockets.find((socket) => path === '/' || socket === path || socket.startsWith(`${path}/`));
  // The socket is root on the host: no allow-list entry opens it.
  if (exposed) {
    return [
      {
        kind: 'docker-socket',
        reason: `mounts the Docker socket${exposed === path ? '' : ` (${path} holds ${exposed})`}`,
      },
    ];
  }
  if (isAllowedBindPath(path, policy)) return [];
  return [{ kind: 'bind-mount', reason: `bind-mounts ${path} (outside the allowed host paths)` }];
}

/** Host paths a body binds: Binds entries with an absolute source and bind-type Mounts. */
function bindSources(host: Record<string, unknown>): string[] {
  const fromBinds = strings(host.Binds)
    .map((bind) => bind.split(':')[0] ?? '')
    .filter((source) => source.startsWith('/'));
  const fromMounts = mountsOf(host)
    .filter((mount) => mount.Type === 'bind')
    .map((mount) => String(mount.Source ?? ''));
  return [...fromBinds, ...fromMounts];
}

/** A volume mount may create a local-driver volume that is a host path or a device in disguise. */
function volumeMountPowers(host: Record<string, unknown>, policy: HostAccessPolicy, sockets: string[]) {
  return mountsOf(host)
    .filter((mount) => mount.Type === 'volume')
    .flatMap((mount) => {
      const driver = mount.VolumeOptions?.DriverConfig;
      return volumePowers(driver?.Name ?? 'local', driver?.Options ?? {}, policy, sockets);
    });
}

/**
 * The host powers a volume's driver options ask for: the local driver's `device` is a host path
 * (with o=bind or type=none) or a block device; network filesystems are fine.
 */
export function volumePowers(
  driver: string,
  options: Record<string, string>,
  policy: HostAccessPolicy,
  extraSockets: readonly string[] = [],
): HostPower[] {
  if (driver !== 'local' || !options.device) return [];
  const sockets = [...WELL_KNOWN_SOCKETS, ...extraSockets];
  const type = (options.type ?? '').toLowerCase();
  const isBind = type === 'none' || type === 'bind' || /(^|,)r?bind(,|$)/.test(options.o ?? '');
  if (isBind) {
    return bindPowers(options.device, policy, sockets.map(normalizeHostPath)).map((power) => ({
      ...power,
      reason: `${power.reason}, through a volume's driver options`,
    }));
  }
  if (NETWORK_FILESYSTEMS.has(type)) return [];
  const powers: HostPower[] = [
    { kind: 'devices', reason: `mounts the host device ${options.device} through a volume` },
  ];
  return powers.filter((power) => !(policy.openPowers as string[]).includes(power.kind));
}

function sharedContainerPowers(
  host: Record<string, unknown>,
  policy: HostAccessPolicy,
  joined: ReadonlyMap<string, JoinedContainer>,
  sockets: string[],
): HostPower[] {
  return joinedContainers({ HostConfig: host }).flatMap((name): HostPower[] => {
    const other = joined.get(name);
    if (!other) {
      return [
        {
          kind: 'shared-container',
          reason: `shares the namespaces or volumes of container ${name}, which could not be checked`,
        },
      ];
    }
    // Its own host powers become ours; its own joins are not followed (they are refused above).
    const inherited = hostPowers(
      {
        HostConfig: {
          ...other.HostConfig,
          VolumesFrom: [],
          ...Object.fromEntries(
            NAMESPACE_MODES.map(([field]) => [field, other.HostConfig?.[field] === 'host' ? 'host' : '']),
          ),
        },
      },
      policy,
      { dockerSockets: sockets },
    );
    const mounted = (other.Mounts ?? [])
      .filter((mount) => mount.Type === 'bind' && mount.Source)
      .flatMap((mount) => bindPowers(String(mount.Source), policy, sockets));
    const unique = new Map([...inherited, ...mounted].map((power) => [power.reason, power]));
    return [...unique.values()].map((power) => ({
      kind: power.kind,
      reason: `shares container ${name}, which ${power.reason}`,
    }));
  });
}

interface MountEntry {
  Type?: string;
  Source?: string;
  VolumeOptions?: { DriverConfig?: { Name?: string; Options?: Record<string, string> } };
}

function mountsOf(host: Record<string, unknown>): MountEntry[] {
  return Array.isArray(host.Mounts) ? (host.Mounts as MountEntry[]) : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
