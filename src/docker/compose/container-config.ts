// A Compose service as the Engine's /containers/create body, field by field as Docker Compose v2
// writes it: the parts of the service spec the Engine supports, and the networks to connect
// after creating (API 1.41 attaches only one at create).
import type { ComposeProject, ServiceConfig, ServiceNetworkConfig, ServiceVolumeConfig } from './model.ts';
import { networksByPriority } from './model.ts';

const NANOS_PER_SECOND = 1_000_000_000;

export interface EndpointSettings {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  MacAddress?: string;
  DriverOpts?: Record<string, string>;
}

export interface ContainerCreation {
  body: Record<string, unknown>;
  /** Networks (engine names) to connect once created, with their endpoint settings. */
  laterNetworks: { network: string; endpoint: EndpointSettings }[];
}

export interface CreationContext {
  project: ComposeProject;
  service: ServiceConfig;
  name: string;
  /** Labels from labels.ts. */
  labels: Record<string, string>;
  /** The image reference the container runs. */
  image: string;
  /** `service:x` network modes and volumes_from resolve to a container of that service. */
  containerOfService: (service: string) => string | undefined;
}

/** The image a service runs: its `image:`, or `<project>-<service>` for a build without one. */
export function imageOf(project: ComposeProject, service: ServiceConfig): string {
  return service.image ?? `${project.name}-${service.name}`;
}

export function containerCreation(context: CreationContext): ContainerCreation {
  const { project, service } = context;
  const networkKeys = service.network_mode ? [] : networksByPriority(service);
  const [primary, ...others] = networkKeys;
  const endpoint = (key: string): EndpointSettings =>
    endpointSettings(service, context.name, service.networks?.[key] ?? null);
  const hostConfig = hostConfigOf(context, primary);
  const body: Record<string, unknown> = compact({
    Hostname: service.hostname,
    Domainname: service.domainname,
    User: service.user,
    ExposedPorts: exposedPorts(service),
    Tty: service.tty ?? false,
    OpenStdin: service.stdin_open ?? false,
    StdinOnce: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Cmd: service.command,
    Image: context.image,
    WorkingDir: service.working_dir,
    Entrypoint: service.entrypoint,
    NetworkDisabled: service.network_mode === 'disabled' ? true : undefined,
    MacAddress: service.mac_address,
    Labels: context.labels,
    StopSignal: service.stop_signal,
    Env: environmentList(service.environment),
    Healthcheck: healthcheckOf(service),
    StopTimeout:
      service.stop_grace_period === undefined
        ? undefined
        : Math.floor(service.stop_grace_period / NANOS_PER_SECOND),
    HostConfig: hostConfig,
    NetworkingConfig: primary
      ? { EndpointsConfig: { [networkName(project, primary)]: endpoint(primary) } }
      : undefined,
  });
  return {
    body,
    laterNetworks: others.map((key) => ({ network: networkName(project, key), endpoint: endpoint(key) })),
  };
}

/** The engine name of a project network key. */
export function networkName(project: ComposeProject, key: string): string {
  return project.networks[key]?.name ?? `${project.name}_${key}`;
}

function endpointSettings(
  service: ServiceConfig,
  containerName: string,
  config: ServiceNetworkConfig | null,
): EndpointSettings {
  const ipam = compact({
    IPv4Address: config?.ipv4_address,
    IPv6Address: config?.ipv6_address,
    LinkLocalIPs: config?.link_local_ips,
  });
  return compact({
    Aliases: [containerName, service.name, ...(config?.aliases ?? [])],
    IPAMConfig: Object.keys(ipam).length > 0 ? ipam : undefined,
    MacAddress: config?.mac_address,
    DriverOpts: config?.driver_opts,
  });
}

function hostConfigOf(context: CreationContext, primaryNetwork: string | undefined): Record<string, unknown> {
  const { project, service } = context;
  const { binds, mounts } = volumesOf(project, service);
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;
  const cpus = limits?.cpus ?? service.cpus;
  return compact({
    Binds: binds.length > 0 ? binds : undefined,
    Mounts: mounts.length > 0 ? mounts : undefined,
    CapAdd: service.cap_add,
    CapDrop: service.cap_drop,
    CgroupParent: service.cgroup_parent,
    CgroupnsMode: service.cgroup,
    GroupAdd: service.group_add,
    Init: service.init,
    IpcMode: resolveServiceMode(service.ipc, context),
    Isolation: service.isolation,
    LogConfig: service.logging?.driver
      ? { Type: service.logging.driver, Config: service.logging.options ?? {} }
      : undefined,
    NetworkMode: service.network_mode
      ? resolveServiceMode(service.network_mode, context)
      : primaryNetwork
        ? networkName(project, primaryNetwork)
        : undefined,
    OomScoreAdj: service.oom_score_adj,
    PidMode: resolveServiceMode(service.pid, context),
    Privileged: service.privileged,
    PortBindings: portBindings(service),
    ReadonlyRootfs: service.read_only,
    RestartPolicy: restartPolicy(service),
    Runtime: service.runtime,
    SecurityOpt: service.security_opt,
    ShmSize: service.shm_size,
    Sysctls: service.sysctls,
    Tmpfs: service.tmpfs ? Object.fromEntries(service.tmpfs.map(tmpfsEntry)) : undefined,
    UsernsMode: service.userns_mode,
    UTSMode: service.uts,
    VolumeDriver: service.volume_driver,
    VolumesFrom: service.volumes_from?.map((source) => volumesFromEntry(source, context)),
    Dns: service.dns,
    DnsOptions: service.dns_opt,
    DnsSearch: service.dns_search,
    ExtraHosts: service.extra_hosts
      ? Object.entries(service.extra_hosts).flatMap(([host, addresses]) =>
          addresses.map((address) => `${host}:${address}`),
        )
      : undefined,
    Links: service.links,
    StorageOpt: service.storage_opt,
    // Resources
    NanoCpus: cpus === undefined ? undefined : Math.round(cpus * NANOS_PER_SECOND),
    Memory: limits?.memory ?? service.mem_limit,
    MemoryReservation: reservations?.memory ?? service.mem_reservation,
    MemorySwap: service.memswap_limit,
    MemorySwappiness: service.mem_swappiness,
    OomKillDisable: service.oom_kill_disable,
    PidsLimit: limits?.pids ?? service.pids_limit,
    CpuShares: service.cpu_shares,
    CpuPeriod: service.cpu_period,
    CpuQuota: service.cpu_quota,
    CpuRealtimePeriod: service.cpu_rt_period,
    CpuRealtimeRuntime: service.cpu_rt_runtime,
    CpusetCpus: service.cpuset,
    BlkioWeight: service.blkio_config?.weight,
    Ulimits: service.ulimits
      ? Object.entries(service.ulimits).map(([name, limit]) => ({
          Name: name,
          Soft: limit.single ?? limit.soft ?? 0,
          Hard: limit.single ?? limit.hard ?? 0,
        }))
      : undefined,
    Devices: service.devices?.map((device) => ({
      PathOnHost: device.source,
      PathInContainer: device.target,
      CgroupPermissions: device.permissions ?? 'rwm',
    })),
    DeviceCgroupRules: service.device_cgroup_rules,
    DeviceRequests: deviceRequests(service),
  });
}

function deviceRequests(service: ServiceConfig): Record<string, unknown>[] | undefined {
  const requests = [...(service.gpus ?? []), ...(service.deploy?.resources?.reservations?.devices ?? [])];
  if (requests.length === 0) return undefined;
  return requests.map((request) =>
    compact({
      Driver: request.driver,
      Count: request.count ?? (request.device_ids ? undefined : -1),
      DeviceIDs: request.device_ids,
      Capabilities: [request.capabilities ?? ['gpu']],
      Options: request.options,
    }),
  );
}

/** Bind mounts that may create their host path go in Binds (as Compose does); the rest are Mounts. */
function volumesOf(
  project: ComposeProject,
  service: ServiceConfig,
): { binds: string[]; mounts: Record<string, unknown>[] } {
  const binds: string[] = [];
  const mounts: Record<string, unknown>[] = [];
  for (const volume of service.volumes ?? []) {
    if (volume.type === 'bind' && volume.bind?.create_host_path !== false && volume.source) {
      binds.push(bindEntry(volume));
    } else {
      mounts.push(mountOf(project, volume));
    }
  }
  for (const secret of service.secrets ?? []) {
    const file = project.secrets[secret.source]?.file;
    if (file) binds.push(`${file}:${secretTarget(secret.target, secret.source)}:ro`);
  }
  for (const config of service.configs ?? []) {
    const file = project.configs[config.source]?.file;
    if (file) binds.push(`${file}:${config.target ?? `/${config.source}`}:ro`);
  }
  return { binds, mounts };
}

/** A secret or config given as content (inline, or from a variable): copied in before start. */
export interface InjectedFile {
  path: string;
  content: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The secrets and configs that are not files on disk, as Compose copies them into the container. */
export function injectedFiles(project: ComposeProject, service: ServiceConfig): InjectedFile[] {
  const files: InjectedFile[] = [];
  const add = (
    reference: { source: string; target?: string; uid?: string; gid?: string; mode?: number },
    path: string,
    content: string | undefined,
  ) => {
    if (content === undefined) return;
    files.push({
      path,
      content,
      mode: reference.mode ?? 0o444,
      uid: Number(reference.uid ?? 0) || 0,
      gid: Number(reference.gid ?? 0) || 0,
    });
  };
  for (const secret of service.secrets ?? []) {
    const definition = project.secrets[secret.source];
    if (definition && !definition.file)
      add(secret, secretTarget(secret.target, secret.source), definition.content);
  }
  for (const config of service.configs ?? []) {
    const definition = project.configs[config.source];
    if (definition && !definition.file) add(config, config.target ?? `/${config.source}`, definition.content);
  }
  return files;
}

function secretTarget(target: string | undefined, source: string): string {
  if (!target) return `/run/secrets/${source}`;
  return target.startsWith('/') ? target : `/run/secrets/${target}`;
}

function bindEntry(volume: ServiceVolumeConfig): string {
  const options = [
    volume.read_only ? 'ro' : undefined,
    volume.bind?.selinux,
    volume.bind?.propagation,
  ].filter(Boolean);
  return `${volume.source}:${volume.target}${options.length > 0 ? `:${options.join(',')}` : ''}`;
}

function mountOf(project: ComposeProject, volume: ServiceVolumeConfig): Record<string, unknown> {
  const base = { Type: volume.type, Target: volume.target, ReadOnly: volume.read_only || undefined };
  switch (volume.type) {
    case 'volume':
      return compact({
        ...base,
        Source: volume.source ? (project.volumes[volume.source]?.name ?? volume.source) : undefined,
        VolumeOptions: volume.volume?.nocopy ? { NoCopy: true } : undefined,
      });
    case 'tmpfs':
      return compact({
        ...base,
        TmpfsOptions: volume.tmpfs
          ? compact({ SizeBytes: volume.tmpfs.size, Mode: volume.tmpfs.mode })
          : undefined,
      });
    default:
      return compact({
        ...base,
        Source: volume.source,
        Consistency: volume.consistency,
        BindOptions: volume.bind?.propagation ? { Propagation: volume.bind.propagation } : undefined,
      });
  }
}

function tmpfsEntry(entry: string): [string, string] {
  const colon = entry.indexOf(':');
  return colon < 0 ? [entry, ''] : [entry.slice(0, colon), entry.slice(colon + 1)];
}

/** `service:x` / `container:x` modes: a service resolves to one of its containers. */
function resolveServiceMode(mode: string | undefined, context: CreationContext): string | undefined {
  if (!mode?.startsWith('service:')) return mode;
  const target = mode.slice('service:'.length);
  return `container:${context.containerOfService(target) ?? target}`;
}

function volumesFromEntry(source: string, context: CreationContext): string {
  if (source.startsWith('container:')) return source.slice('container:'.length);
  const [name = '', mode] = source.split(':');
  const container = context.containerOfService(name) ?? name;
  return mode ? `${container}:${mode}` : container;
}

function exposedPorts(service: ServiceConfig): Record<string, object> | undefined {
  const exposed: Record<string, object> = {};
  for (const port of service.ports ?? []) exposed[`${port.target}/${port.protocol ?? 'tcp'}`] = {};
  for (const entry of service.expose ?? []) {
    const [range = '', protocol = 'tcp'] = entry.split('/');
    const [start, end] = range.split('-').map(Number);
    if (start === undefined || !Number.isInteger(start)) continue;
    for (let port = start; port <= (end ?? start); port++) exposed[`${port}/${protocol}`] = {};
  }
  return Object.keys(exposed).length > 0 ? exposed : undefined;
}

function portBindings(
  service: ServiceConfig,
): Record<string, { HostIp: string; HostPort: string }[]> | undefined {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of service.ports ?? []) {
    const key = `${port.target}/${port.protocol ?? 'tcp'}`;
    bindings[key] ??= [];
    bindings[key].push({ HostIp: port.host_ip ?? '', HostPort: port.published ?? '' });
  }
  return Object.keys(bindings).length > 0 ? bindings : undefined;
}

function restartPolicy(service: ServiceConfig): { Name: string; MaximumRetryCount?: number } | undefined {
  if (service.restart) {
    const [name = 'no', retries] = service.restart.split(':');
    return compact({ Name: name, MaximumRetryCount: retries === undefined ? undefined : Number(retries) });
  }
  const policy = service.deploy?.restart_policy;
  if (!policy?.condition) return undefined;
  const name = { none: 'no', 'on-failure': 'on-failure', any: 'always' }[policy.condition] ?? 'no';
  return compact({ Name: name, MaximumRetryCount: policy.max_attempts });
}

function healthcheckOf(service: ServiceConfig): Record<string, unknown> | undefined {
  const check = service.healthcheck;
  if (!check) return undefined;
  if (check.disable) return { Test: ['NONE'] };
  return compact({
    Test: check.test,
    Interval: check.interval,
    Timeout: check.timeout,
    StartPeriod: check.start_period,
    StartInterval: check.start_interval,
    Retries: check.retries,
  });
}

/** `KEY=value`, sorted; a variable without a value is passed as `KEY` (unset in the container). */
function environmentList(environment: Record<string, string | null> | undefined): string[] | undefined {
  if (!environment) return undefined;
  return Object.keys(environment)
    .sort()
    .map((key) => (environment[key] === null ? key : `${key}=${environment[key]}`));
}

/** Drops undefined fields, so the body says only what is set. */
function compact<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
