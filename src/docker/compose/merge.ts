// Merging Compose files (and `extends`) with compose-go's override rules: mappings merge key by
// key, sequences append, scalars are replaced; with its special cases (command/entrypoint and
// healthcheck.test replace, environment/labels/sysctls... merge as KEY=VALUE lists, depends_on and
// networks as mappings, logging options only for the same driver, IPAM pools by subnet), then
// "unicity": a redefined port, volume target, secret target, env key... keeps the later entry in
// the place of the first.
import { pathMatches } from './interpolate.ts';
import { parseVolumeSpec } from './short-syntax.ts';

export type Tree = Record<string, unknown>;

export function isMapping(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

type Merger = (base: unknown, override: unknown, path: string[]) => unknown;

const override: Merger = (_base, other) => other;

function goString(value: unknown): string {
  return value === null || value === undefined ? '<nil>' : String(value);
}

function toSequence(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [value];
  if (isMapping(value)) {
    const seq: string[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (item === null || item === undefined) seq.push(key);
      else if (Array.isArray(item)) for (const one of item) seq.push(`${key}=${goString(one)}`);
      else seq.push(`${key}=${goString(item)}`);
    }
    return seq.sort();
  }
  return [];
}

function toMapping(value: unknown, defaults?: Tree): Tree {
  if (isMapping(value)) return value;
  const out: Tree = {};
  if (Array.isArray(value)) for (const key of value) out[String(key)] = defaults ? { ...defaults } : null;
  return out;
}

const mergeToSequence: Merger = (base, other) => [...toSequence(base), ...toSequence(other)];

const mergeExtraHosts: Merger = (base, other) => {
  const right = toSequence(base);
  return [...right, ...toSequence(other).filter((entry) => !right.includes(entry))];
};

const mergeAsMappings: Merger = (base, other, path) => mergeMappings(toMapping(base), toMapping(other), path);

const dependsOnDefaults = { condition: 'service_started', required: true };
const mergeDependsOn: Merger = (base, other, path) =>
  mergeMappings(toMapping(base, dependsOnDefaults), toMapping(other, dependsOnDefaults), path);

const mergeLogging: Merger = (base, other, path) => {
  const config = toMapping(base);
  const next = toMapping(other);
  if (config.driver === next.driver || !('driver' in next) || !('driver' in config)) {
    return mergeMappings(config, next, path);
  }
  return next;
};

const mergeBuild: Merger = (base, other, path) => {
  const asBuild = (value: unknown) => (typeof value === 'string' ? { context: value } : toMapping(value));
  return mergeMappings(asBuild(base), asBuild(other), path);
};

const mergeUlimit: Merger = (_base, other) => other;

const mergeIpamConfig: Merger = (base, other, path) => {
  if (!Array.isArray(base) || !Array.isArray(other)) throw new Error(`${path.join('.')}: unexpected type`);
  const pools: Tree[] = [];
  for (const original of base) {
    const right = toMapping(original);
    for (const entry of other) {
      const left = toMapping(entry);
      if (left.subnet !== right.subnet && !pools.some((pool) => pool.subnet === left.subnet)) {
        pools.push(left);
        continue;
      }
      const merged = mergeMappings(right, left, path);
      const index = pools.findIndex((pool) => pool.subnet === merged.subnet);
      if (index >= 0) pools[index] = merged;
      else pools.push(merged);
    }
  }
  return pools;
};

const SPECIALS: Array<[string, Merger]> = [
  ['networks.*.ipam.config', mergeIpamConfig],
  ['networks.*.labels', mergeToSequence],
  ['volumes.*.labels', mergeToSequence],
  ['services.*.annotations', mergeToSequence],
  ['services.*.build', mergeBuild],
  ['services.*.build.args', mergeToSequence],
  ['services.*.build.additional_contexts', mergeToSequence],
  ['services.*.build.extra_hosts', mergeExtraHosts],
  ['services.*.build.labels', mergeToSequence],
  ['services.*.command', override],
  ['services.*.depends_on', mergeDependsOn],
  ['services.*.deploy.labels', mergeToSequence],
  ['services.*.dns', mergeToSequence],
  ['services.*.dns_opt', mergeToSequence],
  ['services.*.dns_search', mergeToSequence],
  ['services.*.entrypoint', override],
  ['services.*.env_file', mergeToSequence],
  ['services.*.label_file', mergeToSequence],
  ['services.*.environment', mergeToSequence],
  ['services.*.extra_hosts', mergeExtraHosts],
  ['services.*.healthcheck.test', override],
  ['services.*.labels', mergeToSequence],
  ['services.*.volumes.*.volume.labels', mergeToSequence],
  ['services.*.logging', mergeLogging],
  ['services.*.models', mergeAsMappings],
  ['services.*.networks', mergeAsMappings],
  ['services.*.sysctls', mergeToSequence],
  ['services.*.tmpfs', mergeToSequence],
  ['services.*.ulimits.*', mergeUlimit],
];

/** override.MergeYaml: `other` over `base`, in place for mappings. */
export function mergeYaml(base: unknown, other: unknown, path: string[]): unknown {
  for (const [pattern, merger] of SPECIALS) if (pathMatches(path, pattern)) return merger(base, other, path);
  if (other === null || other === undefined) return base;
  if (isMapping(base)) {
    if (!isMapping(other)) throw new Error(`cannot override ${path.join('.')}`);
    return mergeMappings(base, other, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(other)) throw new Error(`cannot override ${path.join('.')}`);
    return [...base, ...other];
  }
  return other;
}

function mergeMappings(base: Tree, other: Tree, path: string[]): Tree {
  for (const [key, value] of Object.entries(other)) {
    base[key] = key in base ? mergeYaml(base[key], value, [...path, key]) : value;
  }
  return base;
}

type Indexer = (entry: unknown, path: string) => string;

const keyValueIndexer: Indexer = (entry, path) => {
  if (typeof entry !== 'string') throw new Error(`${path}: unexpected type ${typeof entry}`);
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
};

const volumeIndexer: Indexer = (entry, path) => {
  if (isMapping(entry)) {
    if (typeof entry.target !== 'string') throw new Error(`service volume ${path} is missing a mount target`);
    return entry.target;
  }
  if (typeof entry === 'string') return parseVolumeSpec(entry).target;
  return '';
};

const deviceIndexer: Indexer = (entry, path) => {
  if (isMapping(entry)) {
    if (typeof entry.target !== 'string') throw new Error(`service device ${path} is missing a mount target`);
    return entry.target;
  }
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return (parts.length === 1 ? parts[0] : parts[1]) as string;
  }
  return '';
};

const exposeIndexer: Indexer = (entry, path) => {
  if (typeof entry === 'string' || typeof entry === 'number') return String(entry);
  throw new Error(`${path}: unsupported expose value ${String(entry)}`);
};

const mountIndexer =
  (defaultPath: string): Indexer =>
  (entry, path) => {
    if (typeof entry === 'string') return `${defaultPath}/${entry}`;
    if (isMapping(entry))
      return 'target' in entry ? String(entry.target) : `${defaultPath}/${goString(entry.source)}`;
    throw new Error(`${path}: unsupported expose value ${String(entry)}`);
  };

const portIndexer: Indexer = (entry, path) => {
  if (typeof entry === 'number') return String(entry);
  if (typeof entry === 'string') return entry;
  if (isMapping(entry)) {
    if (!('target' in entry)) throw new Error(`service ports ${path} is missing a target port`);
    return `${goString(entry.host_ip ?? '0.0.0.0')}:${goString(entry.published)}:${goString(entry.target)}/${goString(entry.protocol ?? 'tcp')}`;
  }
  return '';
};

const envFileIndexer: Indexer = (entry, path) => {
  if (typeof entry === 'string') return entry;
  if (isMapping(entry)) {
    if (!('path' in entry)) throw new Error(`environment path attribute ${path} is missing`);
    return String(entry.path);
  }
  return '';
};

const UNIQUE: Array<[string, Indexer]> = [
  ['networks.*.labels', keyValueIndexer],
  ['networks.*.ipam.options', keyValueIndexer],
  ['services.*.annotations', keyValueIndexer],
  ['services.*.build.args', keyValueIndexer],
  ['services.*.build.additional_contexts', keyValueIndexer],
  ['services.*.build.platform', keyValueIndexer],
  ['services.*.build.tags', keyValueIndexer],
  ['services.*.build.labels', keyValueIndexer],
  ['services.*.cap_add', keyValueIndexer],
  ['services.*.cap_drop', keyValueIndexer],
  ['services.*.configs', mountIndexer('')],
  ['services.*.deploy.labels', keyValueIndexer],
  ['services.*.dns', keyValueIndexer],
  ['services.*.dns_opt', keyValueIndexer],
  ['services.*.dns_search', keyValueIndexer],
  ['services.*.environment', keyValueIndexer],
  ['services.*.env_file', envFileIndexer],
  ['services.*.expose', exposeIndexer],
  ['services.*.labels', keyValueIndexer],
  ['services.*.links', keyValueIndexer],
  ['services.*.networks.*.aliases', keyValueIndexer],
  ['services.*.networks.*.link_local_ips', keyValueIndexer],
  ['services.*.ports', portIndexer],
  ['services.*.profiles', keyValueIndexer],
  ['services.*.secrets', mountIndexer('/run/secrets')],
  ['services.*.sysctls', keyValueIndexer],
  ['services.*.tmpfs', keyValueIndexer],
  ['services.*.volumes', volumeIndexer],
  ['services.*.devices', deviceIndexer],
];

/** override.EnforceUnicity: a later entry with the same key replaces the earlier one in its place. */
export function enforceUnicity(value: unknown, path: string[] = []): unknown {
  if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) value[key] = enforceUnicity(item, [...path, key]);
    return value;
  }
  if (Array.isArray(value)) {
    const indexer = UNIQUE.find(([pattern]) => pathMatches(path, pattern))?.[1];
    if (!indexer) return value;
    const seq: unknown[] = [];
    const keys = new Map<string, number>();
    value.forEach((entry, i) => {
      const key = indexer(entry, `${path.join('.')}[${i}]`);
      const at = keys.get(key);
      if (at !== undefined) seq[at] = entry;
      else keys.set(key, seq.push(entry) - 1);
    });
    return seq;
  }
  return value;
}
