/** Where a Docker daemon answers. TLS material is PEM text, not file paths. */
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'tcp-tls'; host: string; port: number; tls: { ca: string; cert: string; key: string } };

export function describeEndpoint(endpoint: DockerEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${hostPort(endpoint)}`;
    case 'tcp-tls':
      return `tcp+tls://${hostPort(endpoint)}`;
  }
}

export function hostPort({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
