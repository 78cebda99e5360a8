// A pasted `docker run` line as a Compose file, so a container someone runs by hand can become a
// stack. It reads the line as a POSIX shell would split it and maps each flag to its Compose key;
// a flag it does not know is an error that names it, never silently dropped. Pure, so the UI
// converts as the person types.
import { stringify } from 'yaml';

export class DockerRunError extends Error {}

type Service = Record<string, unknown>;

/** Flags that take a value, with the Compose key they feed (list keys collect every use). */
const VALUE_FLAGS: Record<string, (service: Service, value: string) => void> = {
  name: (service, value) => {
    service.container_name = value;
  },
  p: push('ports'),
  publish: push('ports'),
  v: push('volumes'),
  volume: push('volumes'),
  e: (service, value) => {
    const environment = objectAt(service, 'environment') as Record<string, string | null>;
    const equals = value.indexOf('=');
    if (equals < 0) environment[value] = null;
    else environment[value.slice(0, equals)] = value.slice(equals + 1);
  },
  env: (service, value) => VALUE_FLAGS.e?.(service, value),
  'env-file': push('env_file'),
  l: (service, value) => {
    const labels = objectAt(service, 'labels') as Record<string, string>;
    const equals = value.indexOf('=');
    labels[equals < 0 ? value : value.slice(0, equals)] = equals < 0 ? '' : value.slice(equals + 1);
  },
  label: (service, value) => VALUE_FLAGS.l?.(service, value),
  restart: set('restart'),
  network: set('network_mode'),
  net: set('network_mode'),
  'network-alias': push('network_aliases'),
  hostname: set('hostname'),
  h: set('hostname'),
  u: set('user'),
  user: set('user'),
  w: set('working_dir'),
  workdir: set('working_dir'),
  entrypoint: (service, value) => {
    service.entrypoint = [value];
  },
  m: set('mem_limit'),
  memory: set('mem_limit'),
  cpus: (service, value) => {
    service.cpus = Number(value);
  },
  'cap-add': push('cap_add'),
  'cap-drop': push('cap_drop'),
  device: push('devices'),
  dns: push('dns'),
  'dns-search': push('dns_search'),
  'add-host': push('extra_hosts'),
  expose: push('expose'),
  'log-driver': (service, value) => {
    (objectAt(service, 'logging') as Record<string, unknown>).driver = value;
  },
  'log-opt': (service, value) => {
    const logging = objectAt(service, 'logging') as Record<string, unknown>;
    const options = objectAt(logging, 'options') as Record<string, string>;
    const equals = value.indexOf('=');
    options[value.slice(0, equals)] = value.slice(equals + 1);
  },
  'stop-signal': set('stop_signal'),
  'stop-timeout': (service, value) => {
    service.stop_grace_period = `${value}s`;
  },
  'health-cmd': (service, value) => {
    (objectAt(service, 'healthcheck') as Record<string, unknown>).test = ['CMD-SHELL', value];
  },
  'health-interval': health('interval'),
  'health-timeout': health('timeout'),
  'health-retries': (service, value) => {
    (objectAt(service, 'healthcheck') as Record<string, unknown>).retries = Number(value);
  },
  'health-start-period': health('start_period'),
  tmpfs: push('tmpfs'),
  sysctl: (service, value) => {
    const sysctls = objectAt(service, 'sysctls') as Record<string, string>;
    const equals = value.indexOf('=');
    sysctls[value.slice(0, equals)] = value.slice(equals + 1);
  },
  ulimit: (service, value) => {
    const ulimits = objectAt(service, 'ulimits') as Record<string, unknown>;
    const [name = '', limits = ''] = value.split('=');
    const [soft, hard] = limits.split(':').map(Number);
    ulimits[name] = hard === undefined ? soft : { soft, hard };
  },
  'security-opt': push('security_opt'),
  pid: set('pid'),
  ipc: set('ipc'),
  'shm-size': set('shm_size'),
  platform: set('platform'),
  pull: (service, value) => {
    service.pull_policy = value;
  },
  'pids-limit': (service, value) => {
    service.pids_limit = Number(value);
  },
  mount: (service, value) => {
    const fields = Object.fromEntries(value.split(',').map((part) => part.split('=') as [string, string]));
    const volumes = listAt(service, 'volumes') as unknown[];
    volumes.push({
      type: fields.type ?? 'volume',
      ...((fields.source ?? fields.src) ? { source: fields.source ?? fields.src } : {}),
      target: fields.target ?? fields.destination ?? fields.dst,
      ...('readonly' in fields || 'ro' in fields ? { read_only: true } : {}),
    });
  },
};

/** Flags without a value, and what they set. */
const SWITCHES: Record<string, (service: Service) => void> = {
  d: () => undefined,
  detach: () => undefined,
  rm: () => undefined,
  i: (service) => {
    service.stdin_open = true;
  },
  interactive: (service) => {
    service.stdin_open = true;
  },
  t: (service) => {
    service.tty = true;
  },
  tty: (service) => {
    service.tty = true;
  },
  privileged: (service) => {
    service.privileged = true;
  },
  init: (service) => {
    service.init = true;
  },
  'read-only': (service) => {
    service.read_only = true;
  },
  'no-healthcheck': (service) => {
    service.healthcheck = { disable: true };
  },
};

/** The Compose file text for one `docker run` line. */
export function composeFromDockerRun(line: string): string {
  const words = shellWords(line.replace(/\\\r?\n/g, ' '));
  const start = words[0] === 'docker' ? (words[1] === 'container' ? 3 : 2) : 0;
  if (words[start - 1] !== 'run' && start > 0)
    throw new DockerRunError('Paste a line that starts with docker run');
  const service: Service = {};
  let index = start;
  for (; index < words.length; index++) {
    const word = words[index] as string;
    if (!word.startsWith('-') || word === '-') break;
    if (word === '--') {
      index++;
      break;
    }
    const long = word.startsWith('--');
    const [rawName, inline] = long ? splitOnce(word.slice(2), '=') : [word.slice(1), undefined];
    if (!long && rawName.length > 1 && !VALUE_FLAGS[rawName]) {
      // -it, -dp 80:80: clustered short flags, the last may take a value.
      const letters = [...rawName];
      for (const [position, letter] of letters.entries()) {
        if (SWITCHES[letter]) SWITCHES[letter](service);
        else if (VALUE_FLAGS[letter] && position === letters.length - 1) {
          index++;
          VALUE_FLAGS[letter](service, requireValue(words[index], `-${letter}`));
        } else throw new DockerRunError(`Unknown option -${letter}`);
      }
      continue;
    }
    if (SWITCHES[rawName] && inline === undefined) {
      SWITCHES[rawName](service);
      continue;
    }
    const apply = VALUE_FLAGS[rawName];
    if (!apply)
      throw new DockerRunError(`Windflow cannot turn ${long ? '--' : '-'}${rawName} into Compose yet`);
    const value = inline ?? requireValue(words[++index], word);
    apply(service, value);
  }
  const image = words[index];
  if (!image) throw new DockerRunError('The line names no image');
  const command = words.slice(index + 1);
  const ordered: Service = { image, ...(command.length ? { command } : {}), ...service };
  const aliases = ordered.network_aliases as string[] | undefined;
  delete ordered.network_aliases;
  if (
    aliases &&
    typeof ordered.network_mode === 'string' &&
    !['host', 'none', 'bridge'].includes(ordered.network_mode)
  ) {
    ordered.networks = { [ordered.network_mode]: { aliases } };
    delete ordered.network_mode;
  }
  const name = serviceName(String(ordered.container_name ?? image));
  const document: Record<string, unknown> = { services: { [name]: ordered } };
  if (ordered.networks) {
    document.networks = Object.fromEntries(
      Object.keys(ordered.networks).map((network) => [network, { external: true }]),
    );
  }
  const named = namedVolumes(ordered.volumes as unknown[] | undefined);
  if (named.length) document.volumes = Object.fromEntries(named.map((volume) => [volume, {}]));
  return stringify(document, { lineWidth: 0 });
}

/** Splits like a POSIX shell: quotes, backslashes; no expansion. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && /["\\$`]/.test(line[index + 1] ?? '')) current += line[++index];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (char === '\\') {
      current += line[++index] ?? '';
      started = true;
    } else if (/\s/.test(char)) {
      if (started || current) words.push(current);
      current = '';
      started = false;
    } else {
      current += char;
    }
  }
  if (quote) throw new DockerRunError(`The line has an unclosed ${quote} quote`);
  if (started || current) words.push(current);
  return words;
}

/** The object under `key`, made empty first if missing. */
function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  if (typeof parent[key] !== 'object' || parent[key] === null) parent[key] = {};
  return parent[key] as Record<string, unknown>;
}

function listAt(parent: Record<string, unknown>, key: string): unknown[] {
  if (!Array.isArray(parent[key])) parent[key] = [];
  return parent[key] as unknown[];
}

function push(key: string) {
  return (service: Service, value: string) => {
    (listAt(service, key) as string[]).push(value);
  };
}

function set(key: string) {
  return (service: Service, value: string) => {
    service[key] = value;
  };
}

function health(key: string) {
  return (service: Service, value: string) => {
    (objectAt(service, 'healthcheck') as Record<string, unknown>)[key] = value;
  };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function requireValue(value: string | undefined, flag: string): string {
  if (value === undefined) throw new DockerRunError(`${flag} needs a value`);
  return value;
}

/** A service name from a container name or image: `ghcr.io/org/app:1` -> `app`. */
function serviceName(source: string): string {
  const last = source.split('/').pop() ?? source;
  const bare = last.split(/[:@]/)[0] ?? last;
  const name = bare
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return name || 'app';
}

/** Volume sources that are names, not paths: they must be declared at the top level. */
function namedVolumes(volumes: unknown[] | undefined): string[] {
  const names = (volumes ?? []).flatMap((volume) => {
    const source =
      typeof volume === 'string'
        ? volume.split(':')[0]
        : (volume as { type?: string; source?: string }).type === 'volume'
          ? (volume as { source?: string }).source
          : undefined;
    return source &&
      !source.startsWith('/') &&
      !source.startsWith('.') &&
      !source.startsWith('~') &&
      (typeof volume !== 'string' || volume.includes(':'))
      ? [source]
      : [];
  });
  return [...new Set(names)];
}
