// The Compose project as the engine sees it: loaded, interpolated, merged, normalised. It mirrors
// compose-go's `types` package so that behaviour (and the config hash, which is the JSON of
// compose-go's ServiceConfig) can be reproduced field by field.
//
// Naming: every field is spelled as in the Compose file and in compose-go's JSON tags (snake_case:
// `container_name`, `stop_grace_period`, `ipv4_address`), so a key in YAML, in this model and in
// `docker compose config --format json` is the same word. The only additions are marked "Windflow".
//
// Normal forms (what the loader guarantees; absent optional fields mean "not set"):
// - durations are nanoseconds (numbers), as compose-go's types.Duration (Docker's healthcheck
//   wants ns; StopTimeout wants seconds: Math.floor(ns / 1e9));
// - sizes (mem_limit, shm_size, tmpfs size, resources.memory) are bytes;
// - command/entrypoint are argv arrays; `[]` means "clear the image's", absent means "keep it";
// - environment is resolved (env_file applied, `KEY` without value looked up); null = unset;
// - ports, volumes, depends_on, networks, secrets, configs are in their long form;
// - bind sources are absolute paths; `~` expanded.

/** Durations in nanoseconds. */
export type Nanoseconds = number;
/** Sizes in bytes. */
export type Bytes = number;

export interface ComposeProject {
  /** Normalised project name: lowercase letters, digits, `_`, `-`, starting with a letter or digit. */
  name: string;
  /** Absolute project directory: relative paths in the files resolve against it. */
  working_dir: string;
  /** The files loaded, absolute, in override order (label com.docker.compose.project.config_files). */
  config_files: string[];
  /** Enabled services (profiles applied), by name. */
  services: Record<string, ServiceConfig>;
  /** Services left out because none of their profiles is active (compose-go's DisabledServices). */
  disabled_services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
  /** Active profiles. */
  profiles: string[];
  /** The variables interpolation used: stack variables over the .env file(s). */
  environment: Record<string, string>;
  /** Top-level `x-*` keys. */
  extensions?: Record<string, unknown>;
}

export type PullPolicy = 'always' | 'never' | 'missing' | 'if_not_present' | 'build' | string;
export type RestartPolicyName = 'no' | 'always' | 'on-failure' | `on-failure:${number}` | 'unless-stopped';

export interface ServiceConfig {
  /** The key under `services:` (not serialised into the config hash). */
  name: string;
  profiles?: string[];
  annotations?: Record<string, string>;
  attach?: boolean;
  build?: BuildConfig;
  blkio_config?: BlkioConfig;
  cap_add?: string[];
  cap_drop?: string[];
  cgroup_parent?: string;
  cgroup?: string;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpus?: number;
  cpuset?: string;
  cpu_shares?: number;
  /** `docker compose watch` rules: kept for the config hash (Compose hashes them). */
  develop?: { watch?: WatchTrigger[] };
  /** argv; absent = the image's CMD; [] = cleared. */
  command?: string[];
  configs?: ServiceFileReference[];
  container_name?: string;
  credential_spec?: { config?: string; file?: string; registry?: string };
  depends_on?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  domainname?: string;
  /** argv; absent = the image's ENTRYPOINT; [] = cleared. */
  entrypoint?: string[];
  /** Resolved environment: env_file entries then `environment:`; null = declared without a value and not found. */
  environment?: Record<string, string | null>;
  /** Kept for reference (already applied to `environment`). */
  env_file?: EnvFileReference[];
  expose?: string[];
  external_links?: string[];
  /** host → addresses (compose-go's HostsList). */
  extra_hosts?: Record<string, string[]>;
  group_add?: string[];
  gpus?: DeviceRequest[];
  hostname?: string;
  healthcheck?: HealthCheckConfig;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Record<string, string>;
  label_file?: string[];
  links?: string[];
  logging?: LoggingConfig;
  mem_limit?: Bytes;
  mem_reservation?: Bytes;
  memswap_limit?: Bytes;
  mem_swappiness?: number;
  mac_address?: string;
  /** AI models the service uses (top-level `models:` keys). */
  models?: Record<string, { endpoint_var?: string; model_var?: string } | null>;
  network_mode?: string;
  /** Attached networks by project-level key; absent when network_mode is set. */
  networks?: Record<string, ServiceNetworkConfig | null>;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  pid?: string;
  pids_limit?: number;
  platform?: string;
  ports?: ServicePortConfig[];
  privileged?: boolean;
  /** A service run by a provider plugin instead of a container. */
  provider?: { type?: string; options?: Record<string, string[]> };
  pull_policy?: PullPolicy;
  read_only?: boolean;
  restart?: RestartPolicyName | string;
  runtime?: string;
  /** `scale:`; the loader keeps it equal to deploy.replicas when both are given. */
  scale?: number;
  secrets?: ServiceFileReference[];
  security_opt?: string[];
  shm_size?: Bytes;
  stdin_open?: boolean;
  stop_grace_period?: Nanoseconds;
  stop_signal?: string;
  storage_opt?: Record<string, string>;
  sysctls?: Record<string, string>;
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, UlimitsConfig>;
  use_api_socket?: boolean;
  user?: string;
  userns_mode?: string;
  uts?: string;
  volume_driver?: string;
  volumes?: ServiceVolumeConfig[];
  volumes_from?: string[];
  working_dir?: string;
  /** Commands run in the container after it starts / before it stops. */
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  /** `x-*` keys of the service. */
  extensions?: Record<string, unknown>;
}

export interface ServiceHook {
  command?: string[];
  image?: string;
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
  per_replica?: boolean;
}

export interface WatchTrigger {
  /** Absolute. */
  path: string;
  action: string;
  target?: string;
  exec?: ServiceHook;
  include?: string[];
  ignore?: string[];
  initial_sync?: boolean;
}

export interface BuildConfig {
  /** Absolute directory (or a URL/git context left as written). */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  entitlements?: string[];
  args?: Record<string, string | null>;
  provenance?: string;
  sbom?: string;
  ssh?: Array<{ id: string; path: string }>;
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  additional_contexts?: Record<string, string>;
  pull?: boolean;
  extra_hosts?: Record<string, string[]>;
  isolation?: string;
  network?: string;
  target?: string;
  secrets?: ServiceFileReference[];
  shm_size?: Bytes;
  tags?: string[];
  ulimits?: Record<string, UlimitsConfig>;
  platforms?: string[];
  privileged?: boolean;
}

export interface BlkioConfig {
  weight?: number;
  weight_device?: Array<{ path: string; weight: number }>;
  device_read_bps?: Array<{ path: string; rate: Bytes }>;
  device_read_iops?: Array<{ path: string; rate: number }>;
  device_write_bps?: Array<{ path: string; rate: Bytes }>;
  device_write_iops?: Array<{ path: string; rate: number }>;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ServiceDependency {
  condition: DependencyCondition;
  /** Restart this service when the dependency is updated. */
  restart: boolean;
  /** false: a missing or disabled dependency is only a warning. */
  required: boolean;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  resources?: Resources;
  restart_policy?: {
    condition?: string;
    delay?: Nanoseconds;
    max_attempts?: number;
    window?: Nanoseconds;
  };
  placement?: {
    constraints?: string[];
    preferences?: Array<{ spread?: string }>;
    max_replicas_per_node?: number;
  };
  endpoint_mode?: string;
}

export interface UpdateConfig {
  parallelism?: number;
  delay?: Nanoseconds;
  failure_action?: string;
  monitor?: Nanoseconds;
  max_failure_ratio?: number;
  order?: string;
}

export interface Resources {
  limits?: Resource;
  reservations?: Resource;
}

export interface Resource {
  /** CPUs as a float (0.5 = half a CPU); NanoCpus = Math.round(cpus * 1e9). */
  cpus?: number;
  memory?: Bytes;
  pids?: number;
  devices?: DeviceRequest[];
  generic_resources?: Array<{ discrete_resource_spec?: { kind: string; value: number } }>;
}

export interface DeviceRequest {
  capabilities?: string[];
  driver?: string;
  /** -1 = all. */
  count?: number;
  device_ids?: string[];
  options?: Record<string, string>;
}

export interface DeviceMapping {
  source: string;
  target: string;
  permissions?: string;
}

export interface EnvFileReference {
  /** Absolute path. */
  path: string;
  required: boolean;
  /** `raw` = no quoting, escapes or interpolation. */
  format?: string;
}

export interface HealthCheckConfig {
  /** ["NONE"], ["CMD", ...], ["CMD-SHELL", "cmd"]; a string `test:` becomes CMD-SHELL. */
  test?: string[];
  timeout?: Nanoseconds;
  interval?: Nanoseconds;
  retries?: number;
  start_period?: Nanoseconds;
  start_interval?: Nanoseconds;
  disable?: boolean;
}

export interface LoggingConfig {
  driver?: string;
  options?: Record<string, string>;
}

export interface ServiceNetworkConfig {
  aliases?: string[];
  driver_opts?: Record<string, string>;
  gw_priority?: number;
  interface_name?: string;
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  /** Higher first when connecting. */
  priority?: number;
}

export interface ServicePortConfig {
  name?: string;
  /** `ingress` (what short syntax gives) or `host`. */
  mode?: string;
  host_ip?: string;
  target: number;
  /** Host port or range ("8080", "8080-8090"); absent = ephemeral. */
  published?: string;
  /** tcp | udp | sctp, lower case. */
  protocol?: string;
  app_protocol?: string;
}

export type VolumeType = 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';

export interface ServiceVolumeConfig {
  type: VolumeType;
  /** Absolute host path for binds; project-level volume key for volumes; absent for anonymous/tmpfs. */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: {
    selinux?: 'z' | 'Z' | string;
    propagation?: string;
    /** Default true (short syntax creates the host path). */
    create_host_path?: boolean;
    recursive?: string;
  };
  volume?: { labels?: Record<string, string>; nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: Bytes; mode?: number };
  image?: { subpath?: string };
}

export interface ServiceFileReference {
  /** Project-level secret/config key. */
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface UlimitsConfig {
  /** A single number applies to soft and hard. */
  single?: number;
  soft?: number;
  hard?: number;
}

export interface IpamPool {
  subnet?: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Record<string, string>;
}

export interface NetworkConfig {
  /** The engine's name: `<project>_<key>` unless `name:` or external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: IpamPool[]; options?: Record<string, string> };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  extensions?: Record<string, unknown>;
}

export interface VolumeConfig {
  /** The engine's name: `<project>_<key>` unless `name:` or external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** Top-level secret or config: from a file (absolute), an environment variable, or inline content. */
export interface FileObjectConfig {
  name: string;
  file?: string;
  environment?: string;
  /** Inline `content:` (configs), or the variable's value once resolved. */
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
}

/** Scale of a service as compose-go's GetScale: scale, then deploy.replicas, then 1. */
export function serviceScale(service: ServiceConfig): number {
  return service.scale ?? service.deploy?.replicas ?? 1;
}

/** Network keys by descending priority then name, the order compose connects them in. */
export function networksByPriority(service: ServiceConfig): string[] {
  return Object.entries(service.networks ?? {})
    .map(([name, cfg]) => ({ name, priority: cfg?.priority ?? 0 }))
    .sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((n) => n.name);
}
