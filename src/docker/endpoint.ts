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

/** The origin a request URL starts with; unix sockets get a placeholder host. */
export function originOf(endpoint: DockerEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return 'http://docker';
    case 'tcp':
      return `http://${hostPort(endpoint)}`;
    case 'tcp-tls':
      return `https://${hostPort(endpoint)}`;
  }
}

/**
 * Bun's TLS options for a tcp-tls endpoint: the server is verified against the CA; an empty
 * client certificate or key is left out rather than handed to OpenSSL as a broken PEM.
 */
export function tlsOptions({ tls }: Extract<DockerEndpoint, { kind: 'tcp-tls' }>) {
  return {
    ca: tls.ca,
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    rejectUnauthorized: true,
  };
}

function hostPort({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
