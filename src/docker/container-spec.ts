// The container form's shape ("spec") and its translation to and from the Engine's create
// configuration. An edit starts from the old container's whole configuration and replaces only
// what the spec covers, so settings the form does not show (devices, log driver, DNS, ulimits...)
// survive a recreate. Mounts go to the Engine as structured HostConfig.Mounts, never as
// "src:dst:opts" strings, so a path with a colon or comma stays one path.
import { HttpError } from '../http/errors.ts';
import type { ContainerInspect } from './types.ts';
import type { ContainerSpec, MountSpec, NetworkSpec, PortSpec, RestartPolicyName } from './views.ts';

/** The Engine's create body, plus the networks to connect after creating (API 1.41 takes one). */
export interface CreatePlan {
  config: Record<string, unknown>;
  extraNetworks: NetworkSpec[];
}

const NANOS_PER_SECOND = 1_000_000_000;
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
/** 1 PiB: far above any host, well inside the Engine's int64 (and JSON's exact integers). */
const MAX_MEMORY_BYTES = 1024 ** 5;
/** A volume name as the Engine accepts it. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};
const BUILTIN_NETWORK_MODES = new Set(['bridge', 'host', 'none', 'default']);

/** "512m" -> bytes; a clear 400 for anything else. */
export function parseMemory(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?\s*$/i.exec(value);
  const bytes = match
    ? Math.round(Number(match[1]) * (MEMORY_UNITS[(match[2] ?? '').toLowerCase()] ?? 1))
    : NaN;
  if (!Number.isFinite(bytes)) {
    throw new HttpError(400, 'MEMORY_INVALID', `"${value}" is not a memory size: write it like 512m or 1g`);
  }
  if (bytes < MIN_MEMORY_BYTES) {
    throw new HttpError(400, 'MEMORY_INVALID', `The memory limit must be at least 6m; "${value}" is less`);
  }
  if (bytes > MAX_MEMORY_BYTES) {
    throw new HttpError(400, 'MEMORY_INVALID', `The memory limit must be at most 1024t; "${value}" is more`);
  }
  return bytes;
}

/** A fresh container from a spec. */
export function createPlan(spec: ContainerSpec): CreatePlan {
  return mergePlan({ Config: {}, HostConfig: {} }, spec);
}

/**
 * The old container's configuration with the spec's fields replaced: everything the form does
 * not cover is kept. A path the image declares as a volume keeps the old container's volume
 * unless the spec mounts something there, so its data does not go to an orphaned volume.
 */
export function recreatePlan(old: ContainerInspect, spec: ContainerSpec): CreatePlan {
  const plan = mergePlan(
    { Config: { ...(old.Config as Record<string, unknown>) }, HostConfig: { ...hostConfigOf(old) } },
    spec,
  );
  const mounts = (plan.config.HostConfig as { Mounts: EngineMount[] }).Mounts;
  const mounted = new Set(spec.mounts.map((mount) => mount.target));
  const declared = Object.keys((old.Config.Volumes as Record<string, object> | null) ?? {});
  for (const mount of mountsOf(old)) {
    if (
      mount.Type === 'volume' &&
      mount.Name &&
      declared.includes(mount.Destination) &&
      !mounted.has(mount.Destination)
    ) {
      mounts.push({
        Type: 'volume',
        Source: mount.Name,
        Target: mount.Destination,
        ReadOnly: mount.RW === false,
      });
    }
  }
  return plan;
}

function mergePlan(
  base: { Config: Record<string, unknown>; HostConfig: Record<string, unknown> },
  spec: ContainerSpec,
) {
  const [primary, ...extraNetworks] = spec.networks;
  const exposedPorts: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposedPorts[key] = {};
    if (port.hostPort !== undefined) {
      const hosts = portBindings[key] ?? [];
      portBindings[key] = hosts;
      hosts.push({
        HostIp: port.hostIp ?? '',
        HostPort: port.hostPort === 0 ? '' : String(port.hostPort),
      });
    }
  }
  const config: Record<string, unknown> = {
    ...base.Config,
    Image: spec.image,
    Cmd: spec.command?.length ? spec.command : null,
    Entrypoint: spec.entrypoint?.length ? spec.entrypoint : null,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ExposedPorts: exposedPorts,
    Labels: spec.labels,
    User: spec.user ?? '',
    WorkingDir: spec.workingDir ?? '',
    Tty: spec.tty,
    OpenStdin: spec.tty || Boolean(base.Config.OpenStdin),
    Healthcheck: spec.healthcheck
      ? {
          Test: ['CMD-SHELL', spec.healthcheck.command],
          Interval: seconds(spec.healthcheck.intervalSeconds),
          Timeout: seconds(spec.healthcheck.timeoutSeconds),
          Retries: spec.healthcheck.retries ?? 0,
          StartPeriod: seconds(spec.healthcheck.startPeriodSeconds),
        }
      : base.Config.Healthcheck,
  };
  if (spec.hostname) config.Hostname = spec.hostname;
  else delete config.Hostname;
  if (!spec.healthcheck && isOwnHealthcheck(base.Config.Healthcheck)) delete config.Healthcheck;
  const hostConfig: Record<string, unknown> = {
    ...base.HostConfig,
    PortBindings: portBindings,
    // The form carries every bind and volume mount (an edit reads them all back); other kinds
    // (tmpfs) are kept as they were.
    Binds: null,
    Mounts: [
      ...((base.HostConfig.Mounts as EngineMount[] | null) ?? []).filter(
        (mount) => mount.Type !== 'bind' && mount.Type !== 'volume',
      ),
      ...spec.mounts.map(engineMount),
    ],
    RestartPolicy: {
      Name: spec.restartPolicy === 'no' ? '' : spec.restartPolicy,
      MaximumRetryCount: spec.restartPolicy === 'on-failure' ? (spec.maxRetries ?? 0) : 0,
    },
    Memory: spec.memory ? parseMemory(spec.memory) : 0,
    NanoCpus: spec.cpus ? Math.round(spec.cpus * NANOS_PER_SECOND) : 0,
    Privileged: spec.privileged,
    CapAdd: spec.capAdd,
    CapDrop: spec.capDrop,
    NetworkMode: primary?.name ?? (base.HostConfig.NetworkMode as string | undefined) ?? 'bridge',
  };
  // A memory limit without a swap limit gets twice the memory as swap; clear a stale one.
  if (hostConfig.Memory === 0) hostConfig.MemorySwap = 0;
  return {
    config: {
      ...config,
      HostConfig: hostConfig,
      NetworkingConfig: primary
        ? { EndpointsConfig: { [primary.name]: endpointConfig(primary) } }
        : undefined,
    },
    extraNetworks,
  };
}

/** The Engine's structured mount for one of the form's; a bind needs an absolute host path. */
function engineMount(mount: MountSpec): EngineMount {
  if (mount.type === 'bind' && !mount.source.startsWith('/')) {
    throw new HttpError(
      400,
      'MOUNT_INVALID',
      `A bind mount's source is an absolute host path; "${mount.source}" is not`,
    );
  }
  if (mount.type === 'volume' && !VOLUME_NAME.test(mount.source)) {
    throw new HttpError(
      400,
      'MOUNT_INVALID',
      `"${mount.source}" is not a volume name: letters, digits, dots, dashes and underscores`,
    );
  }
  return { Type: mount.type, Source: mount.source, Target: mount.target, ReadOnly: mount.readOnly };
}

interface EngineMount {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
}

export function endpointConfig(network: NetworkSpec): Record<string, unknown> {
  return {
    Aliases: network.aliases.length ? network.aliases : undefined,
    IPAMConfig: network.ipv4Address ? { IPv4Address: network.ipv4Address } : undefined,
  };
}

/** The form filled from an existing container, for edit and duplicate. */
export function specFromInspect(inspect: ContainerInspect): ContainerSpec {
  const config = inspect.Config as Record<string, unknown>;
  const hostConfig = hostConfigOf(inspect);
  const bindings = (hostConfig.PortBindings ?? {}) as Record<
    string,
    { HostIp: string; HostPort: string }[] | null
  >;
  const ports: PortSpec[] = [];
  for (const key of Object.keys({ ...((config.ExposedPorts as object) ?? {}), ...bindings })) {
    const [port, protocol] = key.split('/');
    const base = { containerPort: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp' } as const;
    const hosts = bindings[key] ?? [];
    if (hosts.length === 0) ports.push(base);
    for (const host of hosts) {
      ports.push({
        ...base,
        hostPort: Number(host.HostPort || 0),
        ...(host.HostIp ? { hostIp: host.HostIp } : {}),
      });
    }
  }
  const mounts: MountSpec[] = mountsOf(inspect)
    .filter((mount) => mount.Type === 'bind' || (mount.Type === 'volume' && mount.Name))
    .map((mount) => ({
      type: mount.Type as 'bind' | 'volume',
      source: mount.Type === 'bind' ? mount.Source : (mount.Name as string),
      target: mount.Destination,
      readOnly: mount.RW === false,
    }));
  const networkSettings = (inspect.NetworkSettings ?? {}) as { Networks?: Record<string, EndpointState> };
  const networks: NetworkSpec[] = Object.entries(networkSettings.Networks ?? {})
    .sort(([a], [b]) => Number(b === hostConfig.NetworkMode) - Number(a === hostConfig.NetworkMode))
    .map(([name, endpoint]) => ({
      name,
      aliases: (endpoint.Aliases ?? []).filter((alias) => alias !== inspect.Id.slice(0, 12)),
      ...(endpoint.IPAMConfig?.IPv4Address ? { ipv4Address: endpoint.IPAMConfig.IPv4Address } : {}),
    }));
  const restart = (hostConfig.RestartPolicy ?? {}) as { Name?: string; MaximumRetryCount?: number };
  const healthcheck = config.Healthcheck as
    | { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number }
    | undefined;
  const hostname = config.Hostname as string | undefined;
  return {
    image: String(config.Image),
    name: inspect.Name.replace(/^\//, ''),
    command: (config.Cmd as string[] | null) ?? undefined,
    entrypoint: (config.Entrypoint as string[] | null) ?? undefined,
    env: Object.fromEntries(
      ((config.Env as string[] | null) ?? []).map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
    ports,
    mounts,
    networks,
    restartPolicy: (['always', 'unless-stopped', 'on-failure'].includes(restart.Name ?? '')
      ? restart.Name
      : 'no') as RestartPolicyName,
    ...(restart.Name === 'on-failure' ? { maxRetries: restart.MaximumRetryCount ?? 0 } : {}),
    labels: (config.Labels as Record<string, string> | null) ?? {},
    ...(Number(hostConfig.Memory) > 0 ? { memory: formatMemory(Number(hostConfig.Memory)) } : {}),
    ...(Number(hostConfig.NanoCpus) > 0 ? { cpus: Number(hostConfig.NanoCpus) / NANOS_PER_SECOND } : {}),
    ...(config.User ? { user: String(config.User) } : {}),
    ...(config.WorkingDir ? { workingDir: String(config.WorkingDir) } : {}),
    ...(hostname && hostname !== inspect.Id.slice(0, 12) ? { hostname } : {}),
    privileged: Boolean(hostConfig.Privileged),
    capAdd: (hostConfig.CapAdd as string[] | null) ?? [],
    capDrop: (hostConfig.CapDrop as string[] | null) ?? [],
    tty: Boolean(config.Tty),
    ...(healthcheck?.Test?.[0] === 'CMD-SHELL' && healthcheck.Test[1]
      ? {
          healthcheck: {
            command: healthcheck.Test[1],
            intervalSeconds: toSeconds(healthcheck.Interval),
            timeoutSeconds: toSeconds(healthcheck.Timeout),
            retries: healthcheck.Retries || undefined,
            startPeriodSeconds: toSeconds(healthcheck.StartPeriod),
          },
        }
      : {}),
  };
}

/** Whether the network is one of Docker's own modes rather than a user network. */
export function isBuiltinNetworkMode(name: string): boolean {
  return BUILTIN_NETWORK_MODES.has(name) || name.startsWith('container:');
}

interface EndpointState {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string } | null;
}

interface MountState {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  RW?: boolean;
}

function hostConfigOf(inspect: ContainerInspect): Record<string, unknown> {
  return (inspect.HostConfig ?? {}) as Record<string, unknown>;
}

function mountsOf(inspect: ContainerInspect): MountState[] {
  return (inspect.Mounts ?? []) as MountState[];
}

function isOwnHealthcheck(healthcheck: unknown): boolean {
  return (healthcheck as { Test?: string[] } | undefined)?.Test?.[0] === 'CMD-SHELL';
}

const seconds = (value: number | undefined) => (value ? Math.round(value * NANOS_PER_SECOND) : 0);
const toSeconds = (nanos: number | undefined) => (nanos ? nanos / NANOS_PER_SECOND : undefined);

function formatMemory(bytes: number): string {
  for (const [unit, size] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
