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

/** A standard agent's address: host:port (HTTP) or http(s)://host:port. */
export function parseAgentAddress(address: string): { host: string; port: number; secure: boolean } {
  const match = /^(https?):\/\/(.+?)\/?$/.exec(address);
  return { ...parseHostPort(match ? (match[2] as string) : address), secure: match?.[1] === 'https' };
}

export function endpointFor(
  environment: Environment,
  tls: TlsMaterial | undefined,
  agentToken?: string,
): DockerEndpoint {
  switch (environment.type) {
    case 'hawser-standard': {
      const { host, port, secure } = parseAgentAddress(environment.address);
      return {
        kind: 'hawser',
        host,
        port,
        token: agentToken ?? '',
        ...(secure ? { tls: { ca: tls?.ca ?? '' } } : {}),
      };
    }
    case 'edge':
      return { kind: 'edge', environmentId: environment.id };
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
