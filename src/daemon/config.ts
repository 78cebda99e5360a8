// Configuration comes from command-line flags, then WINDFLOW_* environment variables, then defaults.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HELPER_IMAGE } from '../docker/volume-helper.ts';
import { parseBasePath, parseTrustedProxies } from '../http/request-origin.ts';
import type { LogLevel } from './logger.ts';
import { LOG_LEVELS } from './logger.ts';

export const DEFAULT_PORT = 5480;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
export const DEFAULT_METRICS_INTERVAL = 10;
const MIN_METRICS_INTERVAL = 1;
export const DEFAULT_GIT_MAX_MIB = 64;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Empty means SQLite in the data directory; `postgres://…` selects PostgreSQL. */
  databaseUrl: string;
  logLevel: LogLevel;
  dockerSocket: string;
  /** false only with WINDFLOW_AUTH=off, for a trusted localhost-only set-up. */
  auth: boolean;
  /** The image of the short-lived containers that browse volumes. */
  helperImage: string;
  /** PEM files: with both, Windflow answers HTTPS itself. */
  tls?: { certFile: string; keyFile: string };
  /** The path prefix a reverse proxy publishes Windflow under: '' or e.g. '/windflow'. */
  basePath: string;
  /** CIDR ranges of the proxies whose X-Forwarded-* headers are believed. */
  trustedProxies: string[];
  /** How often monitoring reads every environment (default 10 s). */
  metricsIntervalSeconds?: number;
  /** The most one Git fetch may download, in MiB (isomorphic-git holds the pack in memory). */
  gitMaxMib?: number;
}

export class ConfigError extends Error {}

/** One row per setting: the single source for parsing, --help and the README table. */
export const SETTINGS = [
  { key: 'host', flag: 'host', env: 'WINDFLOW_HOST', help: `address to listen on (default ${DEFAULT_HOST})` },
  { key: 'port', flag: 'port', env: 'WINDFLOW_PORT', help: `port to listen on (default ${DEFAULT_PORT})` },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'WINDFLOW_DATA_DIR',
    help: 'where the database and key file live (default /var/lib/windflow as root, else ~/.local/share/windflow)',
  },
  {
    key: 'databaseUrl',
    flag: 'database-url',
    env: 'WINDFLOW_DATABASE_URL',
    help: 'postgres://user:pass@host/db to use PostgreSQL (default: SQLite in the data directory)',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'WINDFLOW_LOG_LEVEL',
    help: `${LOG_LEVELS.join('|')} (default info)`,
  },
  {
    key: 'dockerSocket',
    flag: 'docker-socket',
    env: 'WINDFLOW_DOCKER_SOCKET',
    help: `local Docker socket for the "local" environment (default ${DEFAULT_DOCKER_SOCKET})`,
  },
  {
    key: 'auth',
    flag: 'auth',
    env: 'WINDFLOW_AUTH',
    help: 'on|off; off lets every caller in as admin (default on)',
  },
  {
    key: 'helperImage',
    flag: 'helper-image',
    env: 'WINDFLOW_HELPER_IMAGE',
    help: `image for the volume browser's helper containers, with busybox applets (default ${DEFAULT_HELPER_IMAGE}, carried by Windflow)`,
  },
  {
    key: 'tls',
    flag: 'tls-cert',
    env: 'WINDFLOW_TLS_CERT',
    help: 'PEM certificate (chain) file: with --tls-key, serve HTTPS (default: plain HTTP)',
  },
  {
    key: 'tls',
    flag: 'tls-key',
    env: 'WINDFLOW_TLS_KEY',
    help: 'PEM private key file of --tls-cert',
  },
  {
    key: 'basePath',
    flag: 'base-path',
    env: 'WINDFLOW_BASE_PATH',
    help: 'the path a reverse proxy serves Windflow under, e.g. /windflow (the proxy strips it; default /)',
  },
  {
    key: 'trustedProxies',
    flag: 'trusted-proxies',
    env: 'WINDFLOW_TRUSTED_PROXIES',
    help: 'comma-separated addresses or CIDR ranges of proxies whose X-Forwarded-* headers count (default none)',
  },
  {
    key: 'metricsIntervalSeconds',
    flag: 'metrics-interval',
    env: 'WINDFLOW_METRICS_INTERVAL',
    help: `seconds between monitoring readings of each environment, ${MIN_METRICS_INTERVAL} to 3600 (default ${DEFAULT_METRICS_INTERVAL})`,
  },
  {
    key: 'gitMaxMib',
    flag: 'git-max-mib',
    env: 'WINDFLOW_GIT_MAX_MIB',
    help: `the most one Git fetch of a Git stack may download, in MiB (default ${DEFAULT_GIT_MAX_MIB})`,
  },
] as const satisfies readonly { key: keyof Config; flag: string; env: string; help: string }[];

export interface ParsedCommandLine {
  command: string | undefined;
  help: boolean;
  config: Config;
}

export function parseCommandLine(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): ParsedCommandLine {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof parseOptions; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: parseOptions, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const pick = (setting: (typeof SETTINGS)[number]): string | undefined => {
    const fromFlag = flags[setting.flag];
    return typeof fromFlag === 'string' ? fromFlag : env[setting.env];
  };
  const [
    host,
    port,
    dataDir,
    databaseUrl,
    logLevel,
    dockerSocket,
    auth,
    helperImage,
    tlsCert,
    tlsKey,
    basePath,
    trustedProxies,
    metricsInterval,
    gitMaxMib,
  ] = SETTINGS.map(pick);
  return {
    command: parsed.positionals[0],
    help: flags.help === true,
    config: {
      host: host || DEFAULT_HOST,
      port: parsePort(port),
      dataDir: dataDir || defaultDataDir(),
      databaseUrl: parseDatabaseUrl(databaseUrl ?? ''),
      logLevel: parseLogLevel(logLevel),
      dockerSocket: dockerSocket || DEFAULT_DOCKER_SOCKET,
      auth: parseAuth(auth),
      helperImage: helperImage || DEFAULT_HELPER_IMAGE,
      ...parseTls(tlsCert, tlsKey),
      basePath: asConfigError(() => parseBasePath(basePath ?? '')),
      trustedProxies: asConfigError(() => parseTrustedProxies(trustedProxies ?? '')),
      metricsIntervalSeconds: parseMetricsInterval(metricsInterval),
      gitMaxMib: parseGitMaxMib(gitMaxMib),
    },
  };
}

const parseOptions = {
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(SETTINGS.map((setting) => [setting.flag, { type: 'string' }])),
} as const satisfies Record<string, { type: 'boolean' | 'string'; short?: string }>;

function parsePort(value: string | undefined): number {
  if (!value) return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be a whole number from 0 (any free port) to 65535, got "${value}"`);
  }
  return port;
}

function parseMetricsInterval(value: string | undefined): number {
  if (!value) return DEFAULT_METRICS_INTERVAL;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < MIN_METRICS_INTERVAL || seconds > 3600) {
    throw new ConfigError(
      `metrics interval must be a whole number of seconds from ${MIN_METRICS_INTERVAL} to 3600, got "${value}"`,
    );
  }
  return seconds;
}

function parseGitMaxMib(value: string | undefined): number {
  if (!value) return DEFAULT_GIT_MAX_MIB;
  const mib = Number(value);
  if (!Number.isInteger(mib) || mib < 1 || mib > 4096)
    throw new ConfigError(`the Git fetch limit is a whole number of MiB from 1 to 4096, got "${value}"`);
  return mib;
}

function parseLogLevel(value: string | undefined): LogLevel {
  if (!value) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

function parseDatabaseUrl(value: string): string {
  if (value && !/^postgres(ql)?:\/\//.test(value)) {
    throw new ConfigError('database URL must start with postgres:// (leave it unset for SQLite)');
  }
  return value;
}

function parseAuth(value: string | undefined): boolean {
  if (!value || value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigError(`auth must be on or off, got "${value}"`);
}

function parseTls(certFile: string | undefined, keyFile: string | undefined): Pick<Config, 'tls'> {
  if (!certFile && !keyFile) return {};
  if (!certFile || !keyFile) {
    throw new ConfigError('HTTPS needs both --tls-cert and --tls-key (WINDFLOW_TLS_CERT, WINDFLOW_TLS_KEY)');
  }
  return { tls: { certFile, keyFile } };
}

/** The request-origin parsers throw plain errors; here they are the operator's to fix. */
function asConfigError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function defaultDataDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/windflow';
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'windflow');
}
