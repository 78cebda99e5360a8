// A notification URL must not point at Windflow itself: a webhook into our own API would make
// the daemon call itself with whatever the channel sends. Refused are the host the caller used
// to reach Windflow, and any loopback or own address on a port Windflow listens on.
import { hostname, networkInterfaces } from 'node:os';

export interface SelfAddress {
  /** Host headers Windflow was reached with ("windflow.example.com", "10.0.0.5:8080"). */
  hosts: string[];
  /** Ports this process listens on. */
  ports: number[];
}

function ownAddresses(): Set<string> {
  const addresses = new Set(['localhost', '0.0.0.0', '::', '::1', hostname().toLowerCase()]);
  for (const entries of Object.values(networkInterfaces()))
    for (const entry of entries ?? []) addresses.add(entry.address.toLowerCase());
  return addresses;
}

const defaultPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** Why `target` may not be used, or undefined when it is fine. */
export function pointsAtWindflow(target: string, self: SelfAddress): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = defaultPort(url);
  const reachedAs = self.hosts.map((value) => value.toLowerCase());
  if (reachedAs.includes(url.host.toLowerCase()) || reachedAs.includes(`${host}:${port}`)) return true;
  if (reachedAs.some((value) => value === host && port === 80)) return true;
  const local = host.startsWith('127.') || ownAddresses().has(host);
  return local && self.ports.includes(port);
}
