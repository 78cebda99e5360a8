import type { DockerEndpoint } from '../docker/endpoint.ts';
import type { Environment } from '../store/records.ts';

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** `host:port`, `[v6]:port`; the HTTP edge has already checked the shape. */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (!match) throw new Error(`"${address}" is not host:port`);
  return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
}

export function endpointFor(environment: Environment, tls: TlsMaterial | undefined): DockerEndpoint {
  switch (environment.type) {
    case 'local-socket':
      return { kind: 'unix', socketPath: environment.address };
    case 'tcp':
      return { kind: 'tcp', ...parseHostPort(environment.address) };
    case 'tcp-tls':
      return {
        kind: 'tcp-tls',
        ...parseHostPort(environment.address),
        tls: { ca: tls?.ca ?? '', cert: tls?.cert ?? '', key: tls?.key ?? '' },
      };
  }
}
