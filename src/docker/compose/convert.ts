// The last step of loading: the merged, canonical, normalised Compose tree decoded into the typed
// model (model.ts), the way compose-go's mapstructure hooks decode it: list-or-mapping fields to
// mappings, `command: "a b"` to argv, durations to nanoseconds, sizes to bytes, `test: cmd` to
// CMD-SHELL, ulimits `n` to {single}, extra_hosts to host → addresses.

import { isMapping, type Tree } from './merge.ts';
import type {
  BuildConfig,
  ComposeProject,
  DeployConfig,
  FileObjectConfig,
  HealthCheckConfig,
  NetworkConfig,
  ServiceConfig,
  ServiceFileReference,
  ServiceHook,
  ServiceVolumeConfig,
  UlimitsConfig,
  VolumeConfig,
} from './model.ts';
import { splitShellWords } from './short-syntax.ts';
import { durationOf, parseBytes } from './units.ts';

/** Go's fmt.Sprint for scalars. */
function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

const str = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : text(value);
const bool = (value: unknown): boolean | undefined =>
  value === undefined || value === null ? undefined : value === true || value === 'true';
const num = (value: unknown): number | undefined =>
  value === undefined || value === null ? undefined : Number(value);
const strings = (value: unknown): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(text);
};

/** Labels/Mapping: `[K=V, K]` or `{K: V}`; a missing value is "". */
export function mapping(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const s = text(entry);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = '';
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) out[key] = text(item);
  }
  return out;
}

/** MappingWithEquals (environment, build args): `K` without `=` is null (unset). */
export function mappingWithEquals(value: unknown): Record<string, string | null> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string | null> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const s = text(entry);
      const eq = s.indexOf('=');
      const key = eq < 0 ? s : s.slice(0, eq);
      if (/\s$/u.test(key)) throw new Error(`environment variable ${key} is declared with a trailing space`);
      out[key] = eq < 0 ? null : s.slice(eq + 1);
    }
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value))
      out[key] = item === null || item === undefined ? null : text(item);
  }
  return out;
}

function command(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return splitShellWords(value);
  return (value as unknown[]).map(text);
}

function extraHosts(value: unknown): Record<string, string[]> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string[]> = {};
  const add = (host: string, ips: string[]) => {
    out[host] = [...(out[host] ?? []), ...ips];
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      const s = text(entry);
      const separator = s.includes('=') ? '=' : ':';
      const at = s.indexOf(separator);
      if (at < 0) throw new Error(`invalid additional host, missing IP: ${s}`);
      add(s.slice(0, at), s.slice(at + 1).split(','));
    }
  } else if (isMapping(value)) {
    for (const [host, ips] of Object.entries(value))
      add(host, Array.isArray(ips) ? ips.map(text) : [text(ips)]);
  }
  // HostsList.cleanup: IPv6 addresses lose their brackets.
  for (const host of Object.keys(out)) {
    out[host] = (out[host] as string[]).map((ip) =>
      ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip,
    );
  }
  return out;
}

function ulimits(value: unknown): Record<string, UlimitsConfig> | undefined {
  if (!isMapping(value)) return undefined;
  const out: Record<string, UlimitsConfig> = {};
  for (const [name, limit] of Object.entries(value)) {
    out[name] = isMapping(limit)
      ? { soft: num(limit.soft) ?? 0, hard: num(limit.hard) ?? 0 }
      : { single: Number(limit) };
  }
  return out;
}

function duration(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : durationOf(value);
}

function bytes(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : parseBytes(value);
}

function fileMode(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? Number.parseInt(value, 8) : Number(value);
}

function fileReferences(value: unknown): ServiceFileReference[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((entry) => {
    const e = entry as Tree;
    return prune({
      source: text(e.source),
      target: str(e.target),
      uid: str(e.uid),
      gid: str(e.gid),
      mode: fileMode(e.mode),
    }) as ServiceFileReference;
  });
}

/** Drops undefined fields so "absent" stays absent. */
function prune<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}

function extensions(tree: Tree): Record<string, unknown> | undefined {
  const entries = Object.entries(tree).filter(([key]) => key.startsWith('x-'));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function healthcheck(value: unknown): HealthCheckConfig | undefined {
  if (!isMapping(value)) return undefined;
  const test = value.test;
  return prune({
    test: typeof test === 'string' ? ['CMD-SHELL', test] : strings(test),
    timeout: duration(value.timeout),
    interval: duration(value.interval),
    retries: num(value.retries),
    start_period: duration(value.start_period),
    start_interval: duration(value.start_interval),
    disable: bool(value.disable),
  });
}

function build(value: unknown): BuildConfig | undefined {
  if (!isMapping(value)) return undefined;
  return prune({
    context: text(value.context),
    dockerfile: str(value.dockerfile),
    dockerfile_inline: str(value.dockerfile_inline),
    entitlements: strings(value.entitlements),
    args: mappingWithEquals(value.args),
    provenance: str(value.provenance),
    sbom: str(value.sbom),
    ssh: isMapping(value.ssh)
      ? Object.entries(value.ssh).map(([id, path]) => ({ id, path: text(path) }))
      : undefined,
    labels: mapping(value.labels),
    cache_from: strings(value.cache_from),
    cache_to: strings(value.cache_to),
    no_cache: bool(value.no_cache),
    no_cache_filter: strings(value.no_cache_filter),
    additional_contexts: mapping(value.additional_contexts),
    pull: bool(value.pull),
    extra_hosts: extraHosts(value.extra_hosts),
    isolation: str(value.isolation),
    network: str(value.network),
    target: str(value.target),
    secrets: fileReferences(value.secrets),
    shm_size: bytes(value.shm_size),
    tags: strings(value.tags),
    ulimits: ulimits(value.ulimits),
    platforms: strings(value.platforms),
    privileged: bool(value.privileged),
  });
}

function resource(value: unknown) {
  if (!isMapping(value)) return undefined;
  return prune({
    cpus: num(value.cpus),
    memory: bytes(value.memory),
    pids: num(value.pids),
    devices: Array.isArray(value.devices) ? value.devices.map(deviceRequest) : undefined,
    generic_resources: Array.isArray(value.generic_resources)
      ? (value.generic_resources as Array<{ discrete_resource_spec?: { kind: string; value: number } }>)
      : undefined,
  });
}

function deviceRequest(value: unknown) {
  const v = value as Tree;
  const count = v.count;
  return prune({
    capabilities: strings(v.capabilities),
    driver: str(v.driver),
    count: count === undefined ? undefined : String(count).toLowerCase() === 'all' ? -1 : Number(count),
    device_ids: strings(v.device_ids),
    options: mapping(v.options),
  });
}

function updateConfig(value: unknown) {
  if (!isMapping(value)) return undefined;
  return prune({
    parallelism: num(value.parallelism),
    delay: duration(value.delay),
    failure_action: str(value.failure_action),
    monitor: duration(value.monitor),
    max_failure_ratio: num(value.max_failure_ratio),
    order: str(value.order),
  });
}

function deploy(value: unknown): DeployConfig | undefined {
  if (!isMapping(value)) return undefined;
  const resources = isMapping(value.resources)
    ? prune({
        limits: resource(value.resources.limits),
        reservations: resource(value.resources.reservations),
      })
    : undefined;
  const restart = isMapping(value.restart_policy)
    ? prune({
        condition: str(value.restart_policy.condition),
        delay: duration(value.restart_policy.delay),
        max_attempts: num(value.restart_policy.max_attempts),
        window: duration(value.restart_policy.window),
      })
    : undefined;
  const placement = isMapping(value.placement)
    ? prune({
        constraints: strings(value.placement.constraints),
        preferences: Array.isArray(value.placement.preferences)
          ? (value.placement.preferences as Tree[]).map((p) => prune({ spread: str(p.spread) }))
          : undefined,
        max_replicas_per_node: num(value.placement.max_replicas_per_node),
      })
    : undefined;
  return prune({
    mode: str(value.mode),
    replicas: num(value.replicas),
    labels: mapping(value.labels),
    update_config: updateConfig(value.update_config),
    rollback_config: updateConfig(value.rollback_config),
    resources,
    restart_policy: restart,
    placement,
    endpoint_mode: str(value.endpoint_mode),
  });
}

function volumes(value: unknown): ServiceVolumeConfig[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((entry) => {
    const v = entry as Tree;
    const bind = isMapping(v.bind)
      ? prune({
          selinux: str(v.bind.selinux),
          propagation: str(v.bind.propagation),
          create_host_path: bool(v.bind.create_host_path),
          recursive: str(v.bind.recursive),
        })
      : undefined;
    const volume = isMapping(v.volume)
      ? prune({
          labels: mapping(v.volume.labels),
          nocopy: bool(v.volume.nocopy),
          subpath: str(v.volume.subpath),
        })
      : undefined;
    const tmpfs = isMapping(v.tmpfs)
      ? prune({ size: bytes(v.tmpfs.size), mode: fileMode(v.tmpfs.mode) })
      : undefined;
    return prune({
      type: text(v.type) as ServiceVolumeConfig['type'],
      source: str(v.source),
      target: text(v.target),
      read_only: bool(v.read_only),
      consistency: str(v.consistency),
      bind,
      volume,
      tmpfs,
      image: isMapping(v.image) ? prune({ subpath: str(v.image.subpath) }) : undefined,
    });
  });
}

function hook(value: unknown): ServiceHook {
  const h = (value ?? {}) as Tree;
  return prune({
    command: command(h.command),
    image: str(h.image),
    user: str(h.user),
    privileged: bool(h.privileged),
    working_dir: str(h.working_dir),
    environment: mappingWithEquals(h.environment),
    per_replica: bool(h.per_replica),
  });
}

function develop(value: unknown): ServiceConfig['develop'] {
  if (!isMapping(value)) return undefined;
  return prune({
    watch: Array.isArray(value.watch)
      ? (value.watch as Tree[]).map((w) =>
          prune({
            path: text(w.path),
            action: text(w.action),
            target: str(w.target),
            exec: w.exec === undefined ? undefined : hook(w.exec),
            include: strings(w.include),
            ignore: strings(w.ignore),
            initial_sync: bool(w.initial_sync),
          }),
        )
      : undefined,
  });
}

export function toService(name: string, s: Tree): ServiceConfig {
  const networks = isMapping(s.networks)
    ? Object.fromEntries(
        Object.entries(s.networks).map(([key, n]) => [
          key,
          isMapping(n)
            ? prune({
                aliases: strings(n.aliases),
                driver_opts: mapping(n.driver_opts),
                gw_priority: num(n.gw_priority),
                interface_name: str(n.interface_name),
                ipv4_address: str(n.ipv4_address),
                ipv6_address: str(n.ipv6_address),
                link_local_ips: strings(n.link_local_ips),
                mac_address: str(n.mac_address),
                priority: num(n.priority),
              })
            : null,
        ]),
      )
    : undefined;
  const dependsOn = isMapping(s.depends_on)
    ? Object.fromEntries(
        Object.entries(s.depends_on).map(([key, d]) => {
          const dep = d as Tree;
          return [
            key,
            {
              condition: text(dep.condition) as 'service_started',
              restart: dep.restart === true,
              required: dep.required !== false,
            },
          ];
        }),
      )
    : undefined;
  return prune<ServiceConfig>({
    name,
    profiles: strings(s.profiles),
    annotations: mapping(s.annotations),
    attach: bool(s.attach),
    build: build(s.build),
    blkio_config: isMapping(s.blkio_config) ? (s.blkio_config as ServiceConfig['blkio_config']) : undefined,
    cap_add: strings(s.cap_add),
    cap_drop: strings(s.cap_drop),
    cgroup_parent: str(s.cgroup_parent),
    cgroup: str(s.cgroup),
    cpu_count: num(s.cpu_count),
    cpu_percent: num(s.cpu_percent),
    cpu_period: num(s.cpu_period),
    cpu_quota: num(s.cpu_quota),
    cpu_rt_period: num(s.cpu_rt_period),
    cpu_rt_runtime: num(s.cpu_rt_runtime),
    cpus: num(s.cpus),
    cpuset: str(s.cpuset),
    cpu_shares: num(s.cpu_shares),
    develop: develop(s.develop),
    command: command(s.command),
    configs: fileReferences(s.configs),
    container_name: str(s.container_name),
    credential_spec: isMapping(s.credential_spec)
      ? (s.credential_spec as ServiceConfig['credential_spec'])
      : undefined,
    depends_on: dependsOn,
    deploy: deploy(s.deploy),
    device_cgroup_rules: strings(s.device_cgroup_rules),
    devices: Array.isArray(s.devices)
      ? (s.devices as Tree[]).map((d) =>
          prune({ source: text(d.source), target: text(d.target), permissions: str(d.permissions) }),
        )
      : undefined,
    dns: strings(s.dns),
    dns_opt: strings(s.dns_opt),
    dns_search: strings(s.dns_search),
    domainname: str(s.domainname),
    entrypoint: command(s.entrypoint),
    environment: mappingWithEquals(s.environment),
    env_file: Array.isArray(s.env_file)
      ? (s.env_file as Tree[]).map((e) =>
          prune({ path: text(e.path), required: e.required !== false, format: str(e.format) }),
        )
      : undefined,
    expose: strings(s.expose),
    external_links: strings(s.external_links),
    extra_hosts: extraHosts(s.extra_hosts),
    group_add: strings(s.group_add),
    gpus: Array.isArray(s.gpus) ? s.gpus.map(deviceRequest) : undefined,
    hostname: str(s.hostname),
    healthcheck: healthcheck(s.healthcheck),
    image: str(s.image),
    init: bool(s.init),
    ipc: str(s.ipc),
    isolation: str(s.isolation),
    labels: mapping(s.labels),
    label_file: strings(s.label_file),
    links: strings(s.links),
    logging: isMapping(s.logging)
      ? prune({ driver: str(s.logging.driver), options: mapping(s.logging.options) })
      : undefined,
    mem_limit: bytes(s.mem_limit),
    mem_reservation: bytes(s.mem_reservation),
    memswap_limit: bytes(s.memswap_limit),
    mem_swappiness: bytes(s.mem_swappiness),
    mac_address: str(s.mac_address),
    models: isMapping(s.models)
      ? Object.fromEntries(
          Object.entries(s.models).map(([key, m]) => [
            key,
            isMapping(m) ? prune({ endpoint_var: str(m.endpoint_var), model_var: str(m.model_var) }) : null,
          ]),
        )
      : undefined,
    network_mode: str(s.network_mode),
    networks,
    oom_kill_disable: bool(s.oom_kill_disable),
    oom_score_adj: num(s.oom_score_adj),
    pid: str(s.pid),
    pids_limit: num(s.pids_limit),
    platform: str(s.platform),
    ports: Array.isArray(s.ports)
      ? (s.ports as Tree[]).map((p) =>
          prune({
            name: str(p.name),
            mode: str(p.mode),
            host_ip: str(p.host_ip),
            target: Number(p.target),
            published: str(p.published),
            protocol: str(p.protocol),
            app_protocol: str(p.app_protocol),
          }),
        )
      : undefined,
    privileged: bool(s.privileged),
    provider: isMapping(s.provider)
      ? prune({
          type: str(s.provider.type),
          options: isMapping(s.provider.options)
            ? Object.fromEntries(
                Object.entries(s.provider.options).map(([k, v]) => [
                  k,
                  Array.isArray(v) ? v.map(text) : [text(v)],
                ]),
              )
            : undefined,
        })
      : undefined,
    pull_policy: str(s.pull_policy),
    read_only: bool(s.read_only),
    restart: str(s.restart),
    runtime: str(s.runtime),
    scale: num(s.scale),
    secrets: fileReferences(s.secrets),
    security_opt: strings(s.security_opt),
    shm_size: bytes(s.shm_size),
    stdin_open: bool(s.stdin_open),
    stop_grace_period: duration(s.stop_grace_period),
    stop_signal: str(s.stop_signal),
    storage_opt: mapping(s.storage_opt),
    sysctls: mapping(s.sysctls),
    tmpfs: strings(s.tmpfs),
    tty: bool(s.tty),
    ulimits: ulimits(s.ulimits),
    use_api_socket: bool(s.use_api_socket),
    user: str(s.user),
    userns_mode: str(s.userns_mode),
    uts: str(s.uts),
    volume_driver: str(s.volume_driver),
    volumes: volumes(s.volumes),
    volumes_from: strings(s.volumes_from),
    working_dir: str(s.working_dir),
    post_start: Array.isArray(s.post_start) ? s.post_start.map(hook) : undefined,
    pre_stop: Array.isArray(s.pre_stop) ? s.pre_stop.map(hook) : undefined,
    extensions: extensions(s),
  });
}

function toNetwork(n: Tree): NetworkConfig {
  const ipam = isMapping(n.ipam)
    ? prune({
        driver: str(n.ipam.driver),
        config: Array.isArray(n.ipam.config)
          ? (n.ipam.config as Tree[]).map((pool) =>
              prune({
                subnet: str(pool.subnet),
                gateway: str(pool.gateway),
                ip_range: str(pool.ip_range),
                aux_addresses: mapping(pool.aux_addresses),
              }),
            )
          : undefined,
        options: mapping(n.ipam.options),
      })
    : undefined;
  return prune({
    ...sharedResourceFields(n),
    ipam,
    internal: bool(n.internal),
    attachable: bool(n.attachable),
    enable_ipv4: bool(n.enable_ipv4),
    enable_ipv6: bool(n.enable_ipv6),
    extensions: extensions(n),
  });
}

/** The keys networks, volumes, secrets and configs have in common. */
function sharedResourceFields(tree: Tree) {
  return {
    name: text(tree.name),
    driver: str(tree.driver),
    driver_opts: mapping(tree.driver_opts),
    external: bool(tree.external),
    labels: mapping(tree.labels),
  };
}

function toVolume(v: Tree): VolumeConfig {
  return prune({ ...sharedResourceFields(v), extensions: extensions(v) });
}

function toFileObject(f: Tree): FileObjectConfig {
  return prune({
    ...sharedResourceFields(f),
    file: str(f.file),
    environment: str(f.environment),
    content: str(f.content),
    template_driver: str(f.template_driver),
  });
}

type Resources = Pick<ComposeProject, 'networks' | 'volumes' | 'secrets' | 'configs'>;

export function toResources(model: Tree): Resources {
  const each = <T>(value: unknown, convert: (tree: Tree) => T): Record<string, T> =>
    Object.fromEntries(
      Object.entries(isMapping(value) ? value : {}).map(([k, v]) => [k, convert((v ?? {}) as Tree)]),
    );
  return {
    networks: each(model.networks, toNetwork),
    volumes: each(model.volumes, toVolume),
    secrets: each(model.secrets, toFileObject),
    configs: each(model.configs, toFileObject),
  };
}
