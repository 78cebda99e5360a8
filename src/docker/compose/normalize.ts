// Normalisation as compose-go's loader/normalize.go and paths/resolve.go do it: the implicit
// `default` network only when a service uses default networking, implicit depends_on from links,
// volumes_from and `service:` namespaces, build defaults, `KEY`-only environment entries resolved
// from the project's variables, resources named `<project>_<key>`, relative paths made absolute
// against the project directory (or the directory of the file that declared them), `~` expanded.
import { isAbsolute, join, normalize } from 'node:path';
import { cleanPath } from './canonical.ts';
import { isMapping, type Tree } from './merge.ts';

export function expandUser(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function absolute(path: string, base: string, home: string): string {
  const expanded = expandUser(path, home);
  if (expanded === '') return expanded;
  return isAbsolute(expanded) ? normalize(expanded) : join(base, expanded);
}

/** Remote build contexts stay as written. */
function isRemoteContext(context: string): boolean {
  return /^(https?:\/\/|git@|git:\/\/|github\.com\/|ssh:\/\/)/.test(context) || context.includes('://');
}

/** paths.ResolveRelativePaths on one file's tree (include and extends resolve theirs against their own directory). */
export function resolveRelativePaths(model: Tree, base: string, home: string): void {
  for (const service of Object.values(isMapping(model.services) ? model.services : {})) {
    if (!isMapping(service)) continue;
    if (isMapping(service.build)) {
      const build = service.build;
      if (typeof build.context === 'string' && !isRemoteContext(build.context)) {
        build.context = absolute(build.context, base, home);
      }
      if (isMapping(build.additional_contexts)) {
        for (const [key, value] of Object.entries(build.additional_contexts)) {
          if (
            typeof value === 'string' &&
            !isRemoteContext(value) &&
            !value.startsWith('service:') &&
            !value.startsWith('docker-image://')
          ) {
            build.additional_contexts[key] = absolute(value, base, home);
          }
        }
      }
    }
    if (Array.isArray(service.env_file)) {
      for (const entry of service.env_file) {
        if (isMapping(entry) && typeof entry.path === 'string') entry.path = absolute(entry.path, base, home);
      }
    }
    if (Array.isArray(service.label_file)) {
      service.label_file = service.label_file.map((p) =>
        typeof p === 'string' ? absolute(p, base, home) : p,
      );
    }
    if (isMapping(service.develop) && Array.isArray(service.develop.watch)) {
      for (const trigger of service.develop.watch) {
        if (isMapping(trigger) && typeof trigger.path === 'string')
          trigger.path = absolute(trigger.path, base, home);
      }
    }
    if (isMapping(service.extends) && typeof service.extends.file === 'string') {
      service.extends.file = absolute(service.extends.file, base, home);
    }
    if (Array.isArray(service.volumes)) {
      for (const volume of service.volumes) {
        if (isMapping(volume) && volume.type === 'bind') {
          if (typeof volume.source !== 'string') {
            throw new Error('invalid mount config for type "bind": field Source must not be empty');
          }
          volume.source = absolute(volume.source, base, home);
        }
      }
    }
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const resource of Object.values(isMapping(model[kind]) ? model[kind] : {})) {
      if (isMapping(resource) && typeof resource.file === 'string')
        resource.file = absolute(resource.file, base, home);
    }
  }
  for (const volume of Object.values(isMapping(model.volumes) ? model.volumes : {})) {
    if (!isMapping(volume) || volume.driver !== 'local' || !isMapping(volume.driver_opts)) continue;
    const opts = volume.driver_opts;
    if (opts.o === 'bind' && typeof opts.device === 'string') opts.device = absolute(opts.device, base, home);
  }
}

/** loader.Normalize: `variables` are the project's (stack variables over .env). */
export function normalizeModel(model: Tree, projectName: string, variables: Record<string, string>): void {
  normalizeNetworks(model);
  const services = isMapping(model.services) ? model.services : {};
  for (const service of Object.values(services)) {
    if (!isMapping(service)) continue;
    if (service.pull_policy === 'if_not_present') service.pull_policy = 'missing';
    if (isMapping(service.build)) {
      const build = service.build;
      build.context ??= '.';
      if (build.dockerfile === undefined && build.dockerfile_inline === undefined)
        build.dockerfile = 'Dockerfile';
      if (build.args !== undefined) build.args = resolveEntries(build.args, variables, false);
    }
    if (service.environment !== undefined)
      service.environment = resolveEntries(service.environment, variables, true);
    const dependsOn: Tree = isMapping(service.depends_on) ? service.depends_on : {};
    const implicit = (name: string, restart: boolean) => {
      if (!(name in dependsOn)) dependsOn[name] = { condition: 'service_started', restart, required: true };
    };
    if (Array.isArray(service.links)) {
      for (const link of service.links) {
        const parts = String(link).split(':');
        implicit(parts.length === 2 ? (parts[0] as string) : String(link), true);
      }
    }
    for (const namespace of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
      const ref = service[namespace];
      if (typeof ref === 'string' && ref.startsWith('service:')) implicit(ref.slice('service:'.length), true);
    }
    if (Array.isArray(service.volumes)) {
      for (const volume of service.volumes) {
        if (isMapping(volume) && typeof volume.target === 'string') volume.target = cleanPath(volume.target);
      }
    }
    if (Array.isArray(service.volumes_from)) {
      for (const from of service.volumes_from) {
        const spec = String(from);
        if (!spec.startsWith('container:')) implicit(spec.split(':')[0] as string, false);
      }
    }
    if (Object.keys(dependsOn).length > 0) service.depends_on = dependsOn;
  }
  // ResolveEnvironment: a secret or config read from a variable gets its value as content.
  for (const kind of ['secrets', 'configs'] as const) {
    for (const resource of Object.values(isMapping(model[kind]) ? model[kind] : {})) {
      if (!isMapping(resource) || typeof resource.environment !== 'string') continue;
      const value = variables[resource.environment];
      if (value !== undefined) resource.content = value;
    }
  }
  for (const kind of ['networks', 'volumes', 'configs', 'secrets'] as const) {
    if (!isMapping(model[kind])) continue;
    const resources = model[kind];
    for (const [key, value] of Object.entries(resources)) {
      const resource: Tree = isMapping(value) ? value : {};
      if (resource.name === undefined || resource.name === null) {
        resource.name = resource.external === true ? key : `${projectName}_${key}`;
      }
      resources[key] = resource;
    }
  }
}

function normalizeNetworks(model: Tree): void {
  const networks: Tree = isMapping(model.networks) ? model.networks : {};
  let usesDefault = false;
  for (const service of Object.values(isMapping(model.services) ? model.services : {})) {
    if (!isMapping(service) || 'provider' in service || 'network_mode' in service) continue;
    if (!isMapping(service.networks) || Object.keys(service.networks).length === 0) {
      service.networks = { default: null };
      usesDefault = true;
    } else if ('default' in service.networks) {
      usesDefault = true;
    }
  }
  if (!('default' in networks) && usesDefault) networks.default = null;
  if (Object.keys(networks).length > 0) model.networks = networks;
}

/** normalize.go resolve(): `KEY` entries take the project's value; unknown ones stay null (environment) or go (args). */
function resolveEntries(value: unknown, variables: Record<string, string>, keepEmpty: boolean): unknown {
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const entry of value) {
      const s = String(entry);
      if (s.includes('=')) out.push(s);
      else if (variables[s] !== undefined) out.push(`${s}=${variables[s]}`);
      else if (keepEmpty) out.push(s);
    }
    return out;
  }
  if (isMapping(value)) {
    const out: Tree = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null && item !== undefined) out[key] = item;
      else if (variables[key] !== undefined) out[key] = variables[key];
      else if (keepEmpty) out[key] = null;
    }
    return out;
  }
  return value;
}

const VALID_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** loader.NormalizeProjectName: lowercase, keep [a-z0-9_-], trim leading `_` and `-`. */
export function normalizeProjectName(name: string): string {
  return (name.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join('').replace(/^[_-]+/, '');
}

export function isValidProjectName(name: string): boolean {
  return VALID_NAME.test(name);
}
