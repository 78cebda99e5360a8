// Loads a Compose project: reads the files, parses YAML, interpolates, validates against the
// compose-spec schema, resolves include/extends, merges overrides, applies profiles and normalises
// into the model of model.ts — in compose-go's order (loader/loader.go), with its rules. Pure: it
// reads files but never talks to Docker or HTTP. Every problem is a ComposeError with a stable
// code and, when it comes from a file, the file, line, column and key.
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { canonical, setDefaults } from './canonical.ts';
import { toResources, toService } from './convert.ts';
import { DotenvError, parseDotenv, parseDotenvFiles, parseRawEnv } from './dotenv.ts';
import { ComposeError, type ComposeErrorLocation } from './errors.ts';
import { COMPOSE_CASTS, interpolateTree } from './interpolate.ts';
import { enforceUnicity, isMapping, mergeYaml, type Tree } from './merge.ts';
import type { ComposeProject, ServiceConfig } from './model.ts';
import {
  expandUser,
  isValidProjectName,
  normalizeModel,
  normalizeProjectName,
  resolveRelativePaths,
} from './normalize.ts';
import { schemaProblem } from './schema.ts';
import { InvalidTemplateError, MissingRequiredError } from './template.ts';
import { type ComposeYamlDocument, parseComposeYaml } from './yaml-source.ts';

/** A Compose or .env file: by path (read from disk) or with its content given (stored stacks). */
export interface ComposeSource {
  /** Absolute, or relative to `workingDir`. Used in error messages and the config_files label. */
  path: string;
  content?: string;
}

export interface LoadOptions {
  /** Absolute project directory; relative paths in the files resolve against it. */
  workingDir: string;
  /** Compose files in override order: the first is the base, each next one overrides. */
  files: ComposeSource[];
  /** Explicit project name (wins over the files' `name:` and the folder name); must already be valid. */
  projectName?: string;
  /** Windflow stack variables: they win over the .env file. The daemon's own environment is never used. */
  variables?: Record<string, string>;
  /** Dotenv files for interpolation; default `<workingDir>/.env` when it exists. */
  envFiles?: ComposeSource[];
  /** Active profiles (COMPOSE_PROFILES from the variables is used when absent). */
  profiles?: string[];
  /** Expands `~` in paths; default the process's HOME. */
  homeDir?: string;
  /** Reads a file for include/extends/env_file; default the disk. Resolves undefined when missing. */
  readFile?: (absolutePath: string) => Promise<string | undefined>;
}

/** What one loaded file contributes to error locations. */
interface Located {
  path: string;
  documents: ComposeYamlDocument[];
}

/** Larger files are refused before parsing. */
export const MAX_COMPOSE_FILE_BYTES = 10 * 1024 * 1024;

class Loader {
  readonly home: string;
  readonly located: Located[] = [];
  readonly warnings: string[] = [];

  constructor(readonly options: LoadOptions) {
    this.home = options.homeDir ?? process.env.HOME ?? '/root';
  }

  async read(path: string): Promise<string | undefined> {
    if (this.options.readFile) return this.options.readFile(path);
    const file = Bun.file(path);
    if (!(await file.exists())) return undefined;
    return file.text();
  }

  async source(source: ComposeSource, base: string, what: string): Promise<{ path: string; text: string }> {
    const path = isAbsolute(source.path) ? source.path : resolve(base, source.path);
    const text = source.content ?? (await this.read(path));
    if (text === undefined)
      throw new ComposeError('compose_file_not_found', `${what} ${path} not found`, { file: path });
    if (Buffer.byteLength(text) > MAX_COMPOSE_FILE_BYTES) {
      throw new ComposeError(
        'compose_too_large',
        `${path} is larger than ${MAX_COMPOSE_FILE_BYTES / 1024 / 1024} MB`,
        { file: path },
      );
    }
    return { path, text };
  }

  /** Where a dotted key was last defined, across the loaded files. */
  locate(path: readonly string[]): ComposeErrorLocation {
    for (const file of [...this.located].reverse()) {
      for (const doc of [...file.documents].reverse()) {
        const at = doc.locate(path);
        if (at.line !== undefined && at.key === path.join('.')) {
          const exact = doc.locate(path.slice(0, -1));
          if (path.length === 0 || exact.line !== undefined) return at;
        }
      }
    }
    return { key: path.join('.') };
  }

  /** Parses, interpolates, validates one file and merges it into `model` (loadYamlFile). */
  async loadFile(
    file: { path: string; text: string },
    model: Tree,
    scope: Scope,
    steps: { include: boolean; extends: boolean; validate: boolean },
  ): Promise<Tree> {
    const documents = parseComposeYaml(file.text, file.path);
    this.located.push({ path: file.path, documents });
    let merged = model;
    for (const doc of documents) {
      if (!isMapping(doc.value)) {
        throw new ComposeError('compose_yaml_invalid', 'top-level object must be a mapping', doc.locate([]));
      }
      const config = this.interpolate(doc, scope.environment);
      if (steps.validate) {
        const problem = schemaProblem(config);
        if (problem) {
          throw new ComposeError('compose_schema_invalid', problem.message, {
            ...doc.locate(problem.path),
            file: file.path,
          });
        }
      }
      if ('version' in config) {
        this.warnings.push(
          `${file.path}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
        );
        delete config.version;
      }
      if (steps.include) await this.applyInclude(config, file.path, scope, doc.resetPaths);
      deletePaths(merged, doc.resetPaths);
      if (steps.extends) await this.applyExtends(config, file.path, scope, doc.resetPaths);
      merged = this.guard(file.path, () => {
        let out = mergeYaml(merged, config, []) as Tree;
        out = enforceUnicity(out) as Tree;
        out = canonical(out);
        return enforceUnicity(out) as Tree;
      });
    }
    return merged;
  }

  guard<T>(file: string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (error instanceof ComposeError) throw error;
      throw new ComposeError('compose_invalid', (error as Error).message, { file });
    }
  }

  interpolate(doc: ComposeYamlDocument, environment: Record<string, string>): Tree {
    try {
      return interpolateTree(doc.value, {
        lookup: (name) => environment[name],
        casts: COMPOSE_CASTS,
        onUnset: (name) => {
          const warning = `The "${name}" variable is not set. Defaulting to a blank string.`;
          if (!this.warnings.includes(warning)) this.warnings.push(warning);
        },
      }) as Tree;
    } catch (error) {
      if (error instanceof ComposeError) {
        const key = error.location.key?.split('.') ?? [];
        throw new ComposeError(error.code, error.message, { ...doc.locate(key), key: error.location.key });
      }
      throw error;
    }
  }

  /** The files of a project (or an include) merged, defaulted and with paths resolved (loadYamlModel). */
  async loadModel(files: Array<{ path: string; text: string }>, scope: Scope): Promise<Tree> {
    let model: Tree = {};
    for (const file of files) {
      model = await this.loadFile(file, model, scope, { include: true, extends: true, validate: true });
    }
    setDefaults(model);
    this.guard(files[0]?.path ?? '', () => resolveRelativePaths(model, scope.workingDir, this.home));
    return model;
  }

  /**
   * Includes another project's files. `resetPaths` are the including document's `!reset` /
   * `!override` paths: they clear what an included resource of the same name brings.
   */
  async applyInclude(config: Tree, file: string, scope: Scope, resetPaths: string[][]): Promise<void> {
    const entries = config.include;
    delete config.include;
    if (!Array.isArray(entries)) return;
    for (const raw of entries) {
      const entry: Tree = typeof raw === 'string' ? { path: raw } : (raw as Tree);
      const paths = (Array.isArray(entry.path) ? entry.path : [entry.path]).map((p) =>
        resolve(scope.workingDir, expandUser(String(p), this.home)),
      );
      const main = paths[0] as string;
      if (scope.included.includes(main)) {
        throw new ComposeError(
          'compose_invalid',
          `include cycle detected:\n${[...scope.included, main].join('\n include ')}`,
          { file },
        );
      }
      const projectDirectory =
        typeof entry.project_directory === 'string'
          ? resolve(scope.workingDir, expandUser(entry.project_directory, this.home))
          : dirname(main);
      let envPaths: string[];
      if (entry.env_file === undefined) {
        const dotenv = join(projectDirectory, '.env');
        envPaths = (await this.read(dotenv)) === undefined ? [] : [dotenv];
      } else {
        envPaths = (Array.isArray(entry.env_file) ? entry.env_file : [entry.env_file])
          .map(String)
          .filter((p) => p !== '/dev/null')
          .map((p) => resolve(scope.workingDir, p));
      }
      const envFiles = await Promise.all(
        envPaths.map((p) => this.source({ path: p }, scope.workingDir, 'env file')),
      );
      const fromFiles = this.dotenv(() =>
        parseDotenvFiles(
          envFiles.map((f) => ({ path: f.path, content: f.text })),
          scope.environment,
        ),
      );
      const included: Scope = {
        workingDir: projectDirectory,
        environment: { ...fromFiles, ...scope.environment },
        included: [...scope.included, file],
      };
      const sources = await Promise.all(
        paths.map((p) => this.source({ path: p }, scope.workingDir, 'included file')),
      );
      const imported = await this.loadModel(sources, included);
      for (const kind of ['services', 'volumes', 'networks', 'secrets', 'configs', 'models']) {
        if (!isMapping(imported[kind])) continue;
        const target: Tree = isMapping(config[kind]) ? config[kind] : {};
        for (const [name, value] of Object.entries(imported[kind])) {
          if (name in target) {
            deletePaths({ [kind]: { [name]: value } }, resetPaths);
            target[name] = mergeYaml(value, target[name], [kind, name]);
          } else {
            target[name] = value;
          }
        }
        config[kind] = target;
      }
    }
  }

  /** `resetPaths`: the document's `!reset` / `!override` paths, applied to each base before it is extended. */
  async applyExtends(config: Tree, file: string, scope: Scope, resetPaths: string[][]): Promise<void> {
    if (!isMapping(config.services)) return;
    const services = config.services;
    for (const name of Object.keys(services)) {
      services[name] = await this.extendService(name, services, file, scope, [], resetPaths);
    }
  }

  async extendService(
    name: string,
    services: Tree,
    file: string,
    scope: Scope,
    chain: string[],
    resetPaths: string[][],
  ): Promise<unknown> {
    const service = services[name];
    if (!isMapping(service) || service.extends === undefined) return service;
    const ref: Tree =
      typeof service.extends === 'string' ? { service: service.extends } : (service.extends as Tree);
    const base = String(ref.service);
    let baseServices = services;
    let baseFile = file;
    let baseResets = resetPaths;
    if (typeof ref.file === 'string') {
      baseFile = resolve(dirname(file), expandUser(ref.file, this.home));
      const source = await this.source({ path: baseFile }, scope.workingDir, 'extended file');
      const model = await this.loadFile(
        source,
        {},
        { ...scope, workingDir: dirname(baseFile) },
        {
          include: false,
          extends: false,
          validate: false,
        },
      );
      this.guard(baseFile, () => resolveRelativePaths(model, dirname(baseFile), this.home));
      if (!isMapping(model.services) || !(base in model.services)) {
        throw new ComposeError(
          'compose_invalid',
          `cannot extend service "${name}" in ${file}: service "${base}" not found in ${baseFile}`,
          this.locate(['services', name, 'extends']),
        );
      }
      baseServices = model.services;
      baseResets = this.located.at(-1)?.documents.flatMap((doc) => doc.resetPaths) ?? [];
    } else if (!(base in services)) {
      throw new ComposeError(
        'compose_invalid',
        `cannot extend service "${name}" in ${file}: service "${base}" not found`,
        this.locate(['services', name, 'extends']),
      );
    }
    const link = `${file}#${name}`;
    if (chain.includes(link)) {
      throw new ComposeError('compose_invalid', `circular reference: ${[...chain, link].join(' -> ')}`, {
        file,
        key: `services.${name}.extends`,
      });
    }
    const resolved = await this.extendService(
      base,
      baseServices,
      baseFile,
      scope,
      [...chain, link],
      baseResets,
    );
    if (!isMapping(resolved)) return service;
    const source = structuredClone(resolved);
    deletePaths({ services: { [name]: source } }, resetPaths);
    const merged = this.guard(file, () => mergeYaml(source, service, ['services', 'x']) as Tree);
    delete merged.extends;
    services[name] = merged;
    return merged;
  }

  dotenv<T>(parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      const file = (error as { file?: string }).file;
      const cause = (error as { cause?: unknown }).cause;
      const line = cause instanceof DotenvError ? cause.line : undefined;
      if (cause instanceof MissingRequiredError || error instanceof MissingRequiredError) {
        throw new ComposeError('compose_variable_required', (error as Error).message, { file });
      }
      if (cause instanceof InvalidTemplateError) {
        throw new ComposeError('compose_interpolation_invalid', (error as Error).message, { file });
      }
      throw new ComposeError('compose_dotenv_invalid', (error as Error).message, { file, line });
    }
  }
}

interface Scope {
  /** Relative paths resolve against it. */
  workingDir: string;
  /** Variables for interpolation. */
  environment: Record<string, string>;
  /** Files including this one, against include cycles. */
  included: string[];
}

function deletePaths(root: Tree, paths: string[][]): void {
  for (const path of paths) deletePath(root, path);
}

function deletePath(root: Tree, path: string[]): void {
  let parent: unknown = root;
  for (const part of path.slice(0, -1)) {
    parent = isMapping(parent) ? parent[part] : Array.isArray(parent) ? parent[Number(part)] : undefined;
    if (parent === undefined) return;
  }
  const last = path.at(-1) as string;
  if (isMapping(parent)) delete parent[last];
}

/** The name the project gets: explicit or COMPOSE_PROJECT_NAME, else the files' `name:` (interpolated), else the folder's. */
function projectNameFrom(
  options: LoadOptions,
  files: Array<{ path: string; text: string }>,
  environment: Record<string, string>,
): string {
  // compose-go's withNamePrecedenceLoad: the explicit name, then COMPOSE_PROJECT_NAME from the
  // variables or the .env file (both taken as given, so they must already be valid).
  const imperative = options.projectName ?? (environment.COMPOSE_PROJECT_NAME || undefined);
  if (imperative !== undefined) {
    if (!isValidProjectName(imperative)) throw invalidName(imperative);
    return imperative;
  }
  let fromFiles = '';
  for (const file of files) {
    for (const doc of parseComposeYaml(file.text, file.path)) {
      const name = isMapping(doc.value) ? doc.value.name : undefined;
      if (typeof name === 'string' && name !== '') {
        const interpolated = interpolateTree({ name }, { lookup: (n) => environment[n] }) as { name: string };
        fromFiles = normalizeProjectName(interpolated.name);
      }
    }
  }
  const name = fromFiles || normalizeProjectName(basename(options.workingDir));
  if (!name) throw invalidName(basename(options.workingDir));
  return name;
}

function invalidName(name: string): ComposeError {
  return new ComposeError(
    'compose_project_name_invalid',
    `invalid project name ${JSON.stringify(name)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
  );
}

/** Throws ComposeError. */
export async function loadProject(options: LoadOptions): Promise<ComposeProject & { warnings: string[] }> {
  if (options.files.length === 0) throw new ComposeError('compose_invalid', 'no Compose file given');
  const loader = new Loader(options);
  const workingDir = resolve(options.workingDir);
  const files = await Promise.all(options.files.map((f) => loader.source(f, workingDir, 'Compose file')));

  const variables = options.variables ?? {};
  const envSources =
    options.envFiles ??
    ((await loader.read(join(workingDir, '.env'))) === undefined ? [] : [{ path: join(workingDir, '.env') }]);
  const envFiles = await Promise.all(envSources.map((f) => loader.source(f, workingDir, 'env file')));
  const fromDotenv = loader.dotenv(() =>
    parseDotenvFiles(
      envFiles.map((f) => ({ path: f.path, content: f.text })),
      variables,
    ),
  );
  const environment: Record<string, string> = { ...fromDotenv, ...variables };

  const name = projectNameFrom(options, files, environment);
  environment.COMPOSE_PROJECT_NAME = name;
  const profiles =
    options.profiles ??
    (environment.COMPOSE_PROFILES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);

  const model = await loader.loadModel(files, { workingDir, environment, included: [] });
  if (Object.keys(model).length === 0)
    throw new ComposeError('compose_invalid', 'empty compose file', { file: files[0]?.path });
  delete model.name;
  loader.guard(files[0]?.path ?? '', () => normalizeModel(model, name, environment));

  const all: Record<string, ServiceConfig> = {};
  for (const [key, service] of Object.entries(isMapping(model.services) ? model.services : {})) {
    all[key] = loader.guard('', () => {
      try {
        return toService(key, (service ?? {}) as Tree);
      } catch (error) {
        throw new ComposeError('compose_invalid', (error as Error).message, loader.locate(['services', key]));
      }
    });
  }
  const resources = toResources(model);
  const services: Record<string, ServiceConfig> = {};
  const disabled: Record<string, ServiceConfig> = {};
  for (const [key, service] of Object.entries(all)) {
    const enabled =
      !service.profiles?.length || profiles.some((p) => p === '*' || service.profiles?.includes(p));
    (enabled ? services : disabled)[key] = service;
  }

  const project: ComposeProject = {
    name,
    working_dir: workingDir,
    config_files: files.map((f) => f.path),
    services,
    disabled_services: disabled,
    ...resources,
    profiles,
    environment,
  };
  const extensions = Object.fromEntries(Object.entries(model).filter(([key]) => key.startsWith('x-')));
  if (Object.keys(extensions).length > 0) project.extensions = extensions;

  checkConsistency(project, loader);
  for (const service of Object.values(services)) await resolveServiceFiles(service, environment, loader);
  return Object.assign(project, { warnings: loader.warnings });
}

/** WithServicesEnvironmentResolved and WithServicesLabelsResolved: env_file and label_file applied. */
async function resolveServiceFiles(
  service: ServiceConfig,
  environment: Record<string, string>,
  loader: Loader,
): Promise<void> {
  if (service.env_file?.length) {
    const declared = service.environment ?? {};
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(declared)) if (value !== null) values[key] = value;
    for (const envFile of service.env_file) {
      const text = await loader.read(envFile.path);
      if (text === undefined) {
        if (envFile.required) {
          throw new ComposeError('compose_file_not_found', `env file ${envFile.path} not found`, {
            ...loader.locate(['services', service.name, 'env_file']),
          });
        }
        continue;
      }
      const lookup = (key: string) => environment[key] ?? declared[key] ?? undefined;
      loader.dotenv(() => {
        try {
          if (envFile.format === 'raw') parseRawEnv(text, lookup, values);
          else if (envFile.format === undefined || envFile.format === '.env')
            parseDotenv(text, lookup, values);
          else throw new DotenvError(`unsupported env_file format ${JSON.stringify(envFile.format)}`);
        } catch (error) {
          throw Object.assign(new Error(`failed to read ${envFile.path}: ${(error as Error).message}`), {
            cause: error,
            file: envFile.path,
          });
        }
      });
    }
    service.environment = { ...values, ...declared };
  }
  if (service.label_file?.length) {
    const labels: Record<string, string> = {};
    for (const path of service.label_file) {
      const text = await loader.read(path);
      if (text === undefined)
        throw new ComposeError('compose_file_not_found', `label file ${path} not found`, { file: path });
      loader.dotenv(() => parseDotenv(text, (key) => labels[key], labels));
    }
    service.labels = { ...labels, ...service.labels };
  }
}

/** loader/validate.go checkConsistency, the parts that concern a single host. */
function checkConsistency(project: ComposeProject, loader: Loader): void {
  const fail = (message: string, path: string[]) => {
    throw new ComposeError('compose_invalid', message, loader.locate(path));
  };
  const known = (name: string) => name in project.services || name in project.disabled_services;
  for (const [name, s] of Object.entries(project.services)) {
    const at = (...rest: string[]) => ['services', name, ...rest];
    if (!s.build && !s.image)
      fail(`service "${name}" has neither an image nor a build context specified`, at());
    if (s.build?.dockerfile_inline && s.build.dockerfile) {
      fail(`service "${name}" declares mutualy exclusive dockerfile and dockerfile_inline`, at('build'));
    }
    if (s.network_mode && s.networks && Object.keys(s.networks).length > 0) {
      fail(
        `service ${name} declares mutually exclusive \`network_mode\` and \`networks\``,
        at('network_mode'),
      );
    }
    for (const network of Object.keys(s.networks ?? {})) {
      if (!(network in project.networks))
        fail(`service "${name}" refers to undefined network ${network}`, at('networks', network));
    }
    const test = s.healthcheck?.test?.[0];
    if (test !== undefined && !['CMD', 'CMD-SHELL', 'NONE'].includes(test)) {
      fail('healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"', at('healthcheck', 'test'));
    }
    for (const [dependency, condition] of Object.entries(s.depends_on ?? {})) {
      if (dependency in project.services) continue;
      if (dependency in project.disabled_services && !condition.required) continue;
      fail(`service "${name}" depends on undefined service "${dependency}"`, at('depends_on', dependency));
    }
    if (s.network_mode?.startsWith('service:')) {
      const target = s.network_mode.slice('service:'.length);
      if (!known(target))
        fail(`service "${target}" not found for network_mode 'service:${target}'`, at('network_mode'));
    }
    for (const [i, volume] of (s.volumes ?? []).entries()) {
      if (volume.type === 'volume' && volume.source && !(volume.source in project.volumes)) {
        fail(`service "${name}" refers to undefined volume ${volume.source}`, at('volumes', String(i)));
      }
    }
    for (const secret of [...(s.secrets ?? []), ...(s.build?.secrets ?? [])]) {
      if (!(secret.source in project.secrets))
        fail(`service "${name}" refers to undefined secret ${secret.source}`, at('secrets'));
    }
    for (const config of s.configs ?? []) {
      if (!(config.source in project.configs))
        fail(`service "${name}" refers to undefined config ${config.source}`, at('configs'));
    }
    if (s.scale !== undefined && s.deploy) {
      if (s.deploy.replicas !== undefined && s.deploy.replicas !== s.scale) {
        fail(`services.${name}: can't set distinct values on 'scale' and 'deploy.replicas'`, at('scale'));
      }
      s.deploy.replicas = s.scale;
    }
    if ((s.scale ?? 0) < 0) fail(`services.${name}.scale: must be greater than or equal to 0`, at('scale'));
    if ((s.deploy?.replicas ?? 0) < 0) {
      fail(`services.${name}.deploy.replicas: must be greater than or equal to 0`, at('deploy', 'replicas'));
    }
    const limits = s.deploy?.resources?.limits;
    if (s.cpus && limits?.cpus !== undefined && Math.fround(limits.cpus) !== Math.fround(s.cpus)) {
      fail(
        `services.${name}: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'`,
        at('cpus'),
      );
    }
    if (s.mem_limit && limits?.memory !== undefined && limits.memory !== s.mem_limit) {
      fail(
        `services.${name}: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'`,
        at('mem_limit'),
      );
    }
    if ((s.scale ?? s.deploy?.replicas ?? 1) > 1 && s.container_name) {
      fail(
        `services.${name}: can't set container_name and ${s.scale === undefined ? 'deploy.replicas' : 'scale'} as container name must be unique`,
        at('container_name'),
      );
    }
  }
  checkDependencyCycles(project, fail);
}

function checkDependencyCycles(
  project: ComposeProject,
  fail: (message: string, path: string[]) => never,
): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      fail(`dependency cycle detected: ${[...trail.slice(trail.indexOf(name)), name].join(' -> ')}`, [
        'services',
        name,
        'depends_on',
      ]);
    }
    state.set(name, 'visiting');
    for (const dependency of Object.keys(project.services[name]?.depends_on ?? {})) {
      if (dependency in project.services) visit(dependency, [...trail, name]);
    }
    state.set(name, 'done');
  };
  for (const name of Object.keys(project.services)) visit(name, []);
}
