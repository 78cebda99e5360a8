// Where a request really came from when Windflow sits behind a reverse proxy: the browser's
// address, whether it used HTTPS, the host it asked for and the path prefix Windflow is
// published under. X-Forwarded-* headers count only when the peer is a configured proxy
// (--trusted-proxies); from anyone else they are ignored, so a forged X-Forwarded-For cannot
// dodge the login rate limit or put a false address in the audit log.
import { BlockList, isIP } from 'node:net';
import type { Server } from 'bun';
import { Elysia } from 'elysia';
import { peerOf } from './front-door.ts';

export interface RequestOrigin {
  /** The browser's address: the peer's, or the nearest untrusted hop in X-Forwarded-For. */
  clientIp: string;
  /** The browser reached Windflow over HTTPS, directly or through a trusted proxy. */
  https: boolean;
  /** host[:port] the browser asked for. */
  host: string;
  /** '' or a prefix such as '/windflow' that the proxy strips before passing requests on. */
  basePath: string;
}

/** A comma-separated list of addresses or CIDR ranges, checked and written as CIDR ranges. */
export function parseTrustedProxies(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(address);
      const maxBits = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? maxBits : Number(bits);
      if (
        !family ||
        extra !== undefined ||
        !/^\d*$/.test(bits ?? '') ||
        !(prefix >= 0 && prefix <= maxBits)
      ) {
        throw new Error(`trusted proxies must be addresses or CIDR ranges like 10.0.0.0/8, got "${entry}"`);
      }
      return `${address}/${prefix}`;
    });
}

/** '' for the root, else '/a/b' (a leading slash, no trailing one). */
export function parseBasePath(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  const path = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (
    !/^(\/[A-Za-z0-9._~-]+)+$/.test(path) ||
    path.split('/').some((part) => part === '.' || part === '..')
  ) {
    throw new Error(
      `base path must look like /windflow (letters, digits, . _ ~ - between slashes), got "${value}"`,
    );
  }
  return path;
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const [address = '', bits] = range.split('/');
      this.list.addSubnet(address, Number(bits), isIP(address) === 4 ? 'ipv4' : 'ipv6');
    }
    this.empty = ranges.length === 0;
  }

  has(address: string): boolean {
    const family = isIP(address);
    return !this.empty && family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** '::ffff:127.0.0.1' (an IPv4 peer on a dual-stack socket) reads as 127.0.0.1. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

const firstValue = (header: string | null) => header?.split(',')[0]?.trim() || undefined;

export function resolveOrigin(
  request: Request,
  peerIp: string,
  trusted: TrustedProxies,
  basePath: string,
  /** The front door says whether the connection came over TLS (the server behind it is plain). */
  viaTls?: boolean,
): RequestOrigin {
  const url = new URL(request.url);
  const direct: RequestOrigin = {
    clientIp: plainAddress(peerIp),
    https: viaTls ?? url.protocol === 'https:',
    host: request.headers.get('host') ?? url.host,
    basePath,
  };
  if (!trusted.has(direct.clientIp)) return direct;
  // Each proxy appends the address it saw; walking back from the nearest, the first hop that is
  // not one of our proxies is the client. Anything further left is the client's own claim.
  const hops = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => plainAddress(hop.trim()))
    .filter(Boolean);
  let clientIp = direct.clientIp;
  for (const hop of hops.reverse()) {
    if (!isIP(hop)) break;
    clientIp = hop;
    if (!trusted.has(hop)) break;
  }
  const proto = firstValue(request.headers.get('x-forwarded-proto'));
  return {
    clientIp,
    https: proto ? proto.toLowerCase() === 'https' : direct.https,
    host: firstValue(request.headers.get('x-forwarded-host')) ?? direct.host,
    basePath,
  };
}

const origins = new WeakMap<Request, RequestOrigin>();
const NO_PROXIES = new TrustedProxies([]);

/** Resolves every request's origin once, before anything else looks at it. */
export function requestOrigins(options: { basePath: string; trustedProxies: readonly string[] }) {
  const trusted = new TrustedProxies(options.trustedProxies);
  return new Elysia({ name: 'request-origins' }).onRequest(({ request, server }) => {
    const { address, tls } = peerAddress(request, server as Server<unknown> | null);
    origins.set(request, resolveOrigin(request, address, trusted, options.basePath, tls));
  });
}

/** The origin of a request (a request the app never saw counts as direct, with no prefix). */
export function requestOrigin(request: Request, server?: Server<unknown> | null): RequestOrigin {
  if (origins.has(request)) return origins.get(request) as RequestOrigin;
  const { address, tls } = peerAddress(request, server);
  return resolveOrigin(request, address, NO_PROXIES, '', tls);
}

/** The caller's address: the one the front door saw, or the server's own peer. */
function peerAddress(request: Request, server?: Server<unknown> | null): { address: string; tls?: boolean } {
  return peerOf(request, server) ?? { address: server?.requestIP(request)?.address ?? '' };
}
