// Rules that span fields of an environment, checked on the merged result of a create or update:
// the address must be of the kind its type needs, a socket path must not be a file or anything
// of Windflow's own, and a TCP host must not be a link-local or cloud metadata address (an
// environment's test would otherwise probe them for whoever may add environments).
import { lookup } from 'node:dns/promises';
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { parseAgentAddress, parseHostPort } from '../environments/endpoint.ts';
import type { EnvironmentType } from '../store/records.ts';
import { HttpError } from './errors.ts';

export interface EnvironmentShape {
  type: EnvironmentType;
  address: string;
  tls: { ca: boolean; cert: boolean; key: boolean };
}

export interface AddressRules {
  /** Windflow's data directory: no socket path may point into it. */
  dataDir?: string;
}

const LOOKUP_TIMEOUT_MS = 2_000;
/** Names that are cloud metadata services whatever they resolve to. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data']);

export async function assertValidEnvironment(
  { type, address, tls }: EnvironmentShape,
  rules: AddressRules = {},
): Promise<void> {
  if (type === 'local-socket') return assertSocketPath(address, rules);
  // An edge agent dials in: there is no address to check.
  if (type === 'edge') return;
  const parsed = type === 'hawser-standard' ? agentAddressOf(address) : hostPortOf(address);
  if (parsed === undefined) invalid(`a ${type} address is host:port, e.g. 10.0.0.5:2376`);
  if (parsed.port < 1 || parsed.port > 65535) invalid('the port must be from 1 to 65535');
  if (type === 'tcp-tls' && !(tls.ca && tls.cert && tls.key)) {
    invalid('tcp-tls needs the CA certificate, the client certificate and the client key (PEM)');
  }
  await assertReachableHost(parsed.host);
}

/** A standard agent's [http(s)://]host:port, or undefined. */
function agentAddressOf(address: string): { host: string; port: number } | undefined {
  try {
    return parseAgentAddress(address);
  } catch {
    return undefined;
  }
}

/** A TCP host that is not link-local, a metadata service, multicast or unspecified, nor resolves to one. */
export async function assertReachableHost(host: string): Promise<void> {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) refuseHost(host, 'a cloud metadata service');
  if (isIP(name)) {
    const why = forbiddenAddress(name);
    if (why) refuseHost(host, why);
    return;
  }
  // A name that does not resolve now may later; one that resolves to a forbidden address may not.
  const addresses = await Promise.race([
    lookup(name, { all: true }).catch(() => []),
    Bun.sleep(LOOKUP_TIMEOUT_MS).then(() => []),
  ]);
  for (const { address } of addresses) {
    const why = forbiddenAddress(address);
    if (why) refuseHost(host, `${why} (${address})`);
  }
}

/** Why an IP address may not be an environment's host, or undefined. */
export function forbiddenAddress(ip: string): string | undefined {
  const v4 = ipv4Of(ip);
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (a === 169 && b === 254) return 'a link-local address (cloud metadata lives there)';
    if (v4.join('.') === '100.100.100.200') return 'a cloud metadata address';
    if (a === 0) return 'an unspecified address';
    if (a >= 224) return 'a multicast or reserved address';
    return undefined;
  }
  const v6 = ip.toLowerCase();
  if (/^fe[89ab]/.test(v6)) return 'a link-local address';
  if (v6 === 'fd00:ec2::254') return 'a cloud metadata address';
  if (v6 === '::') return 'an unspecified address';
  if (v6.startsWith('ff')) return 'a multicast address';
  return undefined;
}

/** Dotted IPv4, also inside an IPv4-mapped IPv6 address (::ffff:169.254.169.254). */
function ipv4Of(ip: string): number[] | undefined {
  const dotted = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(ip);
  if (dotted) return dotted.slice(1).map(Number);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!mapped) return undefined;
  const high = Number.parseInt(mapped[1] ?? '0', 16);
  const low = Number.parseInt(mapped[2] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255];
}

/**
 * An absolute path that is a Unix socket, or nothing yet (a daemon not started); never a file,
 * a directory, or anything inside Windflow's data directory.
 */
function assertSocketPath(address: string, { dataDir }: AddressRules): void {
  if (!address.startsWith('/')) {
    invalid('a local-socket address is an absolute socket path, e.g. /var/run/docker.sock');
  }
  const path = posix.normalize(address);
  if (dataDir) {
    const root = posix.normalize(dataDir).replace(/\/+$/, '');
    if (path === root || path.startsWith(`${root}/`)) {
      invalid("a socket path may not point into Windflow's data directory");
    }
  }
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch {
    return;
  }
  if (!stats.isSocket())
    invalid(`${path} is not a Unix socket; give the Docker socket, e.g. /var/run/docker.sock`);
}

function hostPortOf(address: string): { host: string; port: number } | undefined {
  try {
    return parseHostPort(address);
  } catch {
    return undefined;
  }
}

function refuseHost(host: string, why: string): never {
  throw new HttpError(400, 'ADDRESS_NOT_ALLOWED', `${host} is ${why}: it cannot be an environment`);
}

function invalid(message: string): never {
  throw new HttpError(400, 'VALIDATION', message);
}
