// The canonical (long) form of a Compose file, as compose-go's transform package writes it before
// merging: short ports, volumes, devices, depends_on, env_file, secrets/configs, build, extends,
// include turn into their mappings; and the default values compose-go then fills in
// (transform/defaults.go).
import { pathMatches } from './interpolate.ts';
import { isMapping, type Tree } from './merge.ts';
import { parseDeviceSpec, parsePortSpec, parseVolumeSpec } from './short-syntax.ts';

type Transform = (data: unknown, path: string[]) => unknown;

const stringOrList: Transform = (data) => (typeof data === 'string' ? [data] : data);

const mapping: Transform = (data, path) => (isMapping(data) ? transformMapping(data, path) : data);

const stringSliceToMap: Transform = (data) =>
  Array.isArray(data) ? Object.fromEntries(data.map((name) => [String(name), null])) : data;

const keyValue: Transform = (data, path) => {
  if (!Array.isArray(data)) return data;
  const out: Tree = {};
  for (const entry of data) {
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error(`${path.join('.')}: invalid value ${text}, expected key=value`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
};

const fileMount: Transform = (data) => (typeof data === 'string' ? { source: data } : data);

const stringOrX: Transform = (data) => (typeof data === 'string' ? data : String(data));

const dependsOn: Transform = (data, path) => {
  if (Array.isArray(data)) {
    return Object.fromEntries(
      data.map((name) => [String(name), { condition: 'service_started', required: true }]),
    );
  }
  if (!isMapping(data)) throw new Error(`${path.join('.')}: invalid type for depends_on`);
  for (const [name, entry] of Object.entries(data)) {
    if (!isMapping(entry)) throw new Error(`${path.join('.')}.${name}: unsupported value`);
    entry.condition ??= 'service_started';
    entry.required ??= true;
  }
  return data;
};

const envFile: Transform = (data, path) => {
  const one = (entry: unknown) => {
    if (typeof entry === 'string') return { path: entry, required: true };
    if (isMapping(entry)) {
      entry.required ??= true;
      return entry;
    }
    return null;
  };
  if (typeof data === 'string') return [one(data)];
  if (Array.isArray(data)) return data.map(one);
  throw new Error(`${path.join('.')}: invalid type for env_file`);
};

const ports: Transform = (data, path) => {
  if (!Array.isArray(data)) throw new Error(`${path.join('.')}: invalid type for port`);
  return data.flatMap((entry): unknown[] => {
    if (typeof entry === 'number' || typeof entry === 'string') return parsePortSpec(String(entry));
    if (isMapping(entry)) return [entry];
    throw new Error(`${path.join('.')}: invalid type for port`);
  });
};

const volumeMount: Transform = (data, path) => {
  if (isMapping(data)) return data;
  if (typeof data !== 'string') throw new Error(`${path.join('.')}: invalid type for service volume mount`);
  const volume = parseVolumeSpec(data);
  if (volume.target) volume.target = cleanPath(volume.target);
  return volume;
};

const deviceMapping: Transform = (data, path) => {
  if (isMapping(data)) return data;
  if (typeof data !== 'string') throw new Error(`${path.join('.')}: invalid type for device`);
  return parseDeviceSpec(data);
};

const build: Transform = (data, path) => {
  if (typeof data === 'string') return { context: data };
  if (isMapping(data)) return transformMapping(data, path);
  throw new Error(`${path.join('.')}: invalid type for build`);
};

const ssh: Transform = (data) => {
  if (!Array.isArray(data)) return data;
  const out: Tree = {};
  for (const entry of data) {
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq < 0) {
      if (text !== 'default') throw new Error(`invalid ssh key ${JSON.stringify(text)}`);
      out[text] = null;
    } else {
      out[text.slice(0, eq)] = text.slice(eq + 1);
    }
  }
  return out;
};

const extendsRef: Transform = (data, path) =>
  typeof data === 'string' ? { service: data } : mapping(data, path);

const gpus: Transform = (data, path) => {
  if (typeof data === 'string') return [{ count: 'all' }];
  return Array.isArray(data) ? data.map((entry, i) => transform(entry, [...path, String(i)])) : data;
};

const maybeExternal: Transform = (data, path) => {
  if (data === null || data === undefined) return null;
  if (!isMapping(data)) return data;
  const resource = transformMapping(data, path);
  const external = resource.external;
  if (isMapping(external)) {
    resource.external = true;
    if ('name' in external) {
      if ('name' in resource && resource.name !== external.name) {
        throw new Error(`${path.join('.')}: name and external.name conflict; only use name`);
      }
      resource.name ??= external.name;
    }
  }
  return resource;
};

const include: Transform = (data) => (typeof data === 'string' ? { path: data } : data);

const TRANSFORMERS: Array<[string, Transform]> = [
  ['services.*', mapping],
  ['services.*.build.secrets.*', fileMount],
  ['services.*.build.provenance', stringOrX],
  ['services.*.build.sbom', stringOrX],
  ['services.*.build.additional_contexts', keyValue],
  ['services.*.depends_on', dependsOn],
  ['services.*.env_file', envFile],
  ['services.*.label_file', stringOrList],
  ['services.*.extends', extendsRef],
  ['services.*.gpus', gpus],
  ['services.*.networks', stringSliceToMap],
  ['services.*.models', stringSliceToMap],
  ['services.*.volumes.*', volumeMount],
  ['services.*.dns', stringOrList],
  ['services.*.devices.*', deviceMapping],
  ['services.*.secrets.*', fileMount],
  ['services.*.configs.*', fileMount],
  ['services.*.ports', ports],
  ['services.*.build', build],
  ['services.*.build.ssh', ssh],
  ['services.*.develop.watch.*.ignore', stringOrList],
  ['services.*.develop.watch.*.include', stringOrList],
  ['volumes.*', maybeExternal],
  ['networks.*', maybeExternal],
  ['secrets.*', maybeExternal],
  ['configs.*', maybeExternal],
  ['include.*', include],
];

function transform(data: unknown, path: string[]): unknown {
  for (const [pattern, transformer] of TRANSFORMERS)
    if (pathMatches(path, pattern)) return transformer(data, path);
  if (isMapping(data)) return transformMapping(data, path);
  if (Array.isArray(data)) return data.map((entry, i) => transform(entry, [...path, String(i)]));
  return data;
}

function transformMapping(data: Tree, path: string[]): Tree {
  for (const [key, value] of Object.entries(data)) data[key] = transform(value, [...path, key]);
  return data;
}

/** transform.Canonical, plus OmitEmpty's one rule (an empty `dns` entry is dropped). */
export function canonical(model: Tree): Tree {
  const out = transform(model, []) as Tree;
  for (const service of Object.values(isMapping(out.services) ? out.services : {})) {
    if (isMapping(service) && Array.isArray(service.dns)) {
      service.dns = service.dns.filter((entry) => entry !== null && entry !== '');
    }
  }
  return out;
}

/** Go's path.Clean for slash paths. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(part);
    }
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

type Defaulter = (data: unknown) => unknown;

const DEFAULTS: Array<[string, Defaulter]> = [
  [
    'services.*.build',
    (data) => {
      if (isMapping(data)) data.context ??= '.';
      return data;
    },
  ],
  [
    'services.*.secrets.*',
    (data) => {
      if (isMapping(data)) data.target ??= `/run/secrets/${String(data.source)}`;
      return data;
    },
  ],
  [
    'services.*.ports.*',
    (data) => {
      if (isMapping(data)) {
        data.protocol ??= 'tcp';
        data.mode ??= 'ingress';
      }
      return data;
    },
  ],
  [
    'services.*.deploy.resources.reservations.devices.*',
    (data) => {
      if (isMapping(data) && !('count' in data) && !('device_ids' in data)) data.count = 'all';
      return data;
    },
  ],
  [
    'services.*.gpus.*',
    (data) => {
      if (isMapping(data) && !('count' in data) && !('device_ids' in data)) data.count = 'all';
      return data;
    },
  ],
  [
    'services.*.volumes.*.bind',
    (data) => {
      if (isMapping(data)) data.create_host_path ??= true;
      return data;
    },
  ],
];

/** transform.SetDefaultValues. */
export function setDefaults(data: unknown, path: string[] = []): unknown {
  for (const [pattern, defaulter] of DEFAULTS) if (pathMatches(path, pattern)) return defaulter(data);
  if (isMapping(data)) {
    for (const [key, value] of Object.entries(data)) data[key] = setDefaults(value, [...path, key]);
  } else if (Array.isArray(data)) {
    data.forEach((entry, i) => {
      data[i] = setDefaults(entry, [...path, String(i)]);
    });
  }
  return data;
}
