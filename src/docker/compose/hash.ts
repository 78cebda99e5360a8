// The config hash Compose v2 writes on every container (label com.docker.compose.config-hash) and
// compares to decide whether a service must be recreated. docker/compose pkg/compose/hash.go:
// ServiceHash clears build, pull_policy, scale, deploy.replicas, depends_on and profiles, then
// SHA-256s Go's encoding/json of compose-go's types.ServiceConfig. So this file is a small Go JSON
// encoder driven by that struct's field list: declaration order, `omitempty`, sorted map keys,
// HTML-safe string escapes, and the types' own MarshalJSON (sizes as "%d" strings, durations as
// Go duration strings, file modes as "0444", ulimits as a number or {soft, hard}, extra_hosts as a
// sorted host=ip list, command/entrypoint never omitted).
import { createHash } from 'node:crypto';
import type { ServiceConfig } from './model.ts';
import { formatGoDuration } from './units.ts';

type Spec =
  | 'string'
  | 'bool'
  | 'int'
  | 'float32'
  | 'unitBytes'
  | 'duration'
  | 'strings'
  | 'command'
  | 'stringMap'
  | 'nullableStringMap'
  | 'hostsList'
  | 'fileMode'
  | 'ulimits'
  | 'multiOptions'
  | 'any'
  | { struct: Field[] }
  | { list: Spec }
  | { nullableMap: Spec };

/**
 * [json name, spec, omit rule]: `omitempty` (default: zero values go), `pointer` (a Go pointer with
 * omitempty: only absent goes, 0/false stay), `always`, or `omitzeroTrue` (compose-go's OptOut).
 */
type Field = [string, Spec, ('omitempty' | 'pointer' | 'always' | 'omitzeroTrue')?];

const struct = (...fields: Field[]): Spec => ({ struct: fields });

const DEVICE_REQUEST = struct(
  ['capabilities', 'strings'],
  ['driver', 'string'],
  ['count', 'int'],
  ['device_ids', 'strings'],
  ['options', 'stringMap'],
);

const FILE_REFERENCE = struct(
  ['source', 'string'],
  ['target', 'string'],
  ['uid', 'string'],
  ['gid', 'string'],
  ['mode', 'fileMode', 'pointer'],
);

const UPDATE_CONFIG = struct(
  ['parallelism', 'int', 'pointer'],
  ['delay', 'duration'],
  ['failure_action', 'string'],
  ['monitor', 'duration'],
  ['max_failure_ratio', 'float32'],
  ['order', 'string'],
);

const RESOURCE = struct(
  ['cpus', 'float32'],
  ['memory', 'unitBytes'],
  ['pids', 'int'],
  ['devices', { list: DEVICE_REQUEST }],
  ['generic_resources', { list: 'any' }],
);

/** Go structs held by value are never "empty" for omitempty: they are always written. */
const DEPLOY = struct(
  ['mode', 'string'],
  ['replicas', 'int'],
  ['labels', 'stringMap'],
  ['update_config', UPDATE_CONFIG],
  ['rollback_config', UPDATE_CONFIG],
  ['resources', struct(['limits', RESOURCE], ['reservations', RESOURCE]), 'always'],
  [
    'restart_policy',
    struct(
      ['condition', 'string'],
      ['delay', 'duration', 'pointer'],
      ['max_attempts', 'int', 'pointer'],
      ['window', 'duration', 'pointer'],
    ),
  ],
  [
    'placement',
    struct(
      ['constraints', 'strings'],
      ['preferences', { list: struct(['spread', 'string']) }],
      ['max_replicas_per_node', 'int'],
    ),
    'always',
  ],
  ['endpoint_mode', 'string'],
);

const THROTTLE = struct(['Path', 'string', 'always'], ['Rate', 'unitBytes', 'always']);

const HOOK = struct(
  ['command', 'command', 'always'],
  ['image', 'string'],
  ['user', 'string'],
  ['privileged', 'bool'],
  ['working_dir', 'string'],
  ['environment', 'nullableStringMap'],
  ['per_replica', 'bool'],
);

const SERVICE: Field[] = [
  ['profiles', 'strings'],
  ['annotations', 'stringMap'],
  ['attach', 'bool', 'pointer'],
  ['build', 'any'],
  [
    'develop',
    struct([
      'watch',
      {
        list: struct(
          ['path', 'string', 'always'],
          ['action', 'string', 'always'],
          ['target', 'string'],
          // A struct held by value: always written, its command at least as null.
          ['exec', HOOK, 'always'],
          ['include', 'strings'],
          ['ignore', 'strings'],
          ['initial_sync', 'bool'],
        ),
      },
    ]),
  ],
  [
    'blkio_config',
    struct(
      ['weight', 'int'],
      ['weight_device', { list: struct(['Path', 'string', 'always'], ['Weight', 'int', 'always']) }],
      ['device_read_bps', { list: THROTTLE }],
      ['device_read_iops', { list: THROTTLE }],
      ['device_write_bps', { list: THROTTLE }],
      ['device_write_iops', { list: THROTTLE }],
    ),
  ],
  ['cap_add', 'strings'],
  ['cap_drop', 'strings'],
  ['cgroup_parent', 'string'],
  ['cgroup', 'string'],
  ['cpu_count', 'int'],
  ['cpu_percent', 'float32'],
  ['cpu_period', 'int'],
  ['cpu_quota', 'int'],
  ['cpu_rt_period', 'int'],
  ['cpu_rt_runtime', 'int'],
  ['cpus', 'float32'],
  ['cpuset', 'string'],
  ['cpu_shares', 'int'],
  ['command', 'command', 'always'],
  ['configs', { list: FILE_REFERENCE }],
  ['container_name', 'string'],
  ['credential_spec', struct(['config', 'string'], ['file', 'string'], ['registry', 'string'])],
  ['depends_on', 'any'],
  ['deploy', DEPLOY],
  ['device_cgroup_rules', 'strings'],
  ['devices', { list: struct(['source', 'string'], ['target', 'string'], ['permissions', 'string']) }],
  ['dns', 'strings'],
  ['dns_opt', 'strings'],
  ['dns_search', 'strings'],
  ['dockerfile', 'string'],
  ['domainname', 'string'],
  ['entrypoint', 'command', 'always'],
  ['provider', struct(['type', 'string'], ['options', 'multiOptions'])],
  ['environment', 'nullableStringMap'],
  ['env_file', 'any'],
  ['expose', 'strings'],
  ['extends', 'any'],
  ['external_links', 'strings'],
  ['extra_hosts', 'hostsList'],
  ['group_add', 'strings'],
  ['gpus', { list: DEVICE_REQUEST }],
  ['hostname', 'string'],
  [
    'healthcheck',
    struct(
      ['test', 'strings'],
      ['timeout', 'duration', 'pointer'],
      ['interval', 'duration', 'pointer'],
      ['retries', 'int', 'pointer'],
      ['start_period', 'duration', 'pointer'],
      ['start_interval', 'duration', 'pointer'],
      ['disable', 'bool'],
    ),
  ],
  ['image', 'string'],
  ['init', 'bool', 'pointer'],
  ['ipc', 'string'],
  ['isolation', 'string'],
  ['labels', 'stringMap'],
  ['label_file', 'any'],
  ['links', 'strings'],
  ['logging', struct(['driver', 'string'], ['options', 'stringMap'])],
  ['log_driver', 'string'],
  ['log_opt', 'stringMap'],
  ['mem_limit', 'unitBytes'],
  ['mem_reservation', 'unitBytes'],
  ['memswap_limit', 'unitBytes'],
  ['mem_swappiness', 'unitBytes'],
  ['mac_address', 'string'],
  ['models', { nullableMap: struct(['endpoint_var', 'string'], ['model_var', 'string']) }],
  ['net', 'string'],
  ['network_mode', 'string'],
  [
    'networks',
    {
      nullableMap: struct(
        ['aliases', 'strings'],
        ['driver_opts', 'stringMap'],
        ['gw_priority', 'int'],
        ['interface_name', 'string'],
        ['ipv4_address', 'string'],
        ['ipv6_address', 'string'],
        ['link_local_ips', 'strings'],
        ['mac_address', 'string'],
        ['priority', 'int'],
      ),
    },
  ],
  ['oom_kill_disable', 'bool'],
  ['oom_score_adj', 'int'],
  ['pid', 'string'],
  ['pids_limit', 'int'],
  ['platform', 'string'],
  [
    'ports',
    {
      list: struct(
        ['name', 'string'],
        ['mode', 'string'],
        ['host_ip', 'string'],
        ['target', 'int'],
        ['published', 'string'],
        ['protocol', 'string'],
        ['app_protocol', 'string'],
      ),
    },
  ],
  ['privileged', 'bool'],
  ['pull_policy', 'string'],
  ['read_only', 'bool'],
  ['restart', 'string'],
  ['runtime', 'string'],
  ['scale', 'int'],
  ['secrets', { list: FILE_REFERENCE }],
  ['security_opt', 'strings'],
  ['shm_size', 'unitBytes'],
  ['stdin_open', 'bool'],
  ['stop_grace_period', 'duration', 'pointer'],
  ['stop_signal', 'string'],
  ['storage_opt', 'stringMap'],
  ['sysctls', 'stringMap'],
  ['tmpfs', 'strings'],
  ['tty', 'bool'],
  ['ulimits', 'ulimits'],
  ['use_api_socket', 'bool'],
  ['user', 'string'],
  ['userns_mode', 'string'],
  ['uts', 'string'],
  ['volume_driver', 'string'],
  [
    'volumes',
    {
      list: struct(
        ['type', 'string'],
        ['source', 'string'],
        ['target', 'string'],
        ['read_only', 'bool'],
        ['consistency', 'string'],
        [
          'bind',
          struct(
            ['selinux', 'string'],
            ['propagation', 'string'],
            ['create_host_path', 'bool', 'omitzeroTrue'],
            ['recursive', 'string'],
          ),
        ],
        ['volume', struct(['labels', 'stringMap'], ['nocopy', 'bool'], ['subpath', 'string'])],
        ['tmpfs', struct(['size', 'unitBytes'], ['mode', 'int'])],
        ['image', struct(['subpath', 'string'])],
      ),
    },
  ],
  ['volumes_from', 'strings'],
  ['working_dir', 'string'],
  ['post_start', { list: HOOK }],
  ['pre_stop', { list: HOOK }],
];

/** Go's encoding/json string escaping, HTML-safe as json.Marshal does it. */
export function goJsonString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** strconv.FormatFloat(f, 'f' or 'e', -1, 32): the shortest text that reads back as the same float32. */
export function goFloat32(value: number): string {
  const f = Math.fround(value);
  if (f === 0) return '0';
  let text = String(f);
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(f.toPrecision(precision));
    if (Math.fround(candidate) === f) {
      text = String(candidate);
      break;
    }
  }
  const abs = Math.abs(Number(text));
  if (abs < 1e-6 || abs >= 1e21) {
    const [mantissa, exponent] = Number(text).toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number(text).toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function sortedKeys(value: object): string[] {
  return Object.keys(value).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
}

function encode(value: unknown, spec: Spec): string {
  if (value === undefined || value === null) return 'null';
  if (typeof spec === 'object') {
    if ('struct' in spec) return encodeStruct(value as Record<string, unknown>, spec.struct);
    if ('list' in spec) return `[${(value as unknown[]).map((item) => encode(item, spec.list)).join(',')}]`;
    const map = value as Record<string, unknown>;
    return `{${sortedKeys(map)
      .map((key) => `${goJsonString(key)}:${encode(map[key], spec.nullableMap)}`)
      .join(',')}}`;
  }
  switch (spec) {
    case 'string':
      return goJsonString(String(value));
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
      return String(Math.trunc(Number(value)));
    case 'float32':
      return goFloat32(Number(value));
    case 'unitBytes':
      return `"${Math.trunc(Number(value))}"`;
    case 'duration':
      return goJsonString(formatGoDuration(Number(value)));
    case 'strings':
    case 'command':
      return `[${(value as unknown[]).map((s) => goJsonString(String(s))).join(',')}]`;
    case 'stringMap':
    case 'nullableStringMap': {
      const map = value as Record<string, unknown>;
      return `{${sortedKeys(map)
        .map((key) => `${goJsonString(key)}:${map[key] === null ? 'null' : goJsonString(String(map[key]))}`)
        .join(',')}}`;
    }
    case 'hostsList': {
      const list = Object.entries(value as Record<string, string[]>).flatMap(([host, ips]) =>
        ips.map((ip) => `${host}=${ip}`),
      );
      list.sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
      return `[${list.map(goJsonString).join(',')}]`;
    }
    case 'fileMode':
      return `"0${Number(value).toString(8)}"`;
    case 'ulimits': {
      const map = value as Record<string, { single?: number; soft?: number; hard?: number }>;
      return `{${sortedKeys(map)
        .map((key) => {
          const limit = map[key] ?? {};
          const text = limit.single
            ? String(limit.single)
            : encodeStruct(limit as Record<string, unknown>, [
                ['soft', 'int'],
                ['hard', 'int'],
              ]);
          return `${goJsonString(key)}:${text}`;
        })
        .join(',')}}`;
    }
    case 'multiOptions': {
      const map = value as Record<string, string[]>;
      return `{${sortedKeys(map)
        .map((key) => `${goJsonString(key)}:[${(map[key] ?? []).map(goJsonString).join(',')}]`)
        .join(',')}}`;
    }
    case 'any':
      return JSON.stringify(value);
  }
}

function encodeStruct(value: Record<string, unknown>, fields: Field[]): string {
  const parts: string[] = [];
  for (const [name, spec, rule = 'omitempty'] of fields) {
    const field = value[name];
    if (
      rule === 'omitempty' &&
      isEmpty(field) &&
      !(typeof spec === 'object' && 'struct' in spec && field !== undefined && field !== null)
    ) {
      continue;
    }
    if (rule === 'pointer' && (field === undefined || field === null)) continue;
    if (rule === 'omitzeroTrue' && (field === undefined || field === true)) continue;
    if (rule === 'always' && field === undefined && typeof spec === 'object' && 'struct' in spec) {
      parts.push(`${goJsonString(name)}:${encodeStruct({}, spec.struct)}`);
      continue;
    }
    if (rule === 'omitzeroTrue') {
      parts.push(`${goJsonString(name)}:false`);
      continue;
    }
    parts.push(`${goJsonString(name)}:${encode(field, spec)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The JSON compose hashes (exported for tests and for explaining a recreate). */
export function serviceHashInput(service: ServiceConfig): string {
  const copy: Record<string, unknown> = { ...service };
  for (const cleared of [
    'build',
    'pull_policy',
    'scale',
    'depends_on',
    'profiles',
    'env_file',
    'label_file',
  ]) {
    delete copy[cleared];
  }
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    copy.deploy = deploy;
  }
  return encodeStruct(copy, SERVICE);
}

/** com.docker.compose.config-hash for a service of a loaded project. */
export function serviceConfigHash(service: ServiceConfig): string {
  return createHash('sha256').update(serviceHashInput(service)).digest('hex');
}
