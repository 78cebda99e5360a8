/**
 * Where a Docker daemon answers. TLS material is PEM text, not file paths. `hawser` is a
 * standard-mode agent (Hawser or `windflow agent --listen`) that passes the Engine API through
 * with a token header; `edge` is an agent that dialled in, reached through its tunnel.
 */
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'tcp-tls'; host: string; port: number; tls: { ca: string; cert: string; key: string } }
  | { kind: 'hawser'; host: string; port: number; token: string; tls?: { ca: string } }
  | { kind: 'edge'; environmentId: number };

/** The endpoints reached over HTTP from here (all but edge). */
export type HttpEndpoint = Exclude<DockerEndpoint, { kind: 'edge' }>;

export function describeEndpoint(endpoint: DockerEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${hostPort(endpoint)}`;
    case 'tcp-tls':
      return `tcp+tls://${hostPort(endpoint)}`;
    case 'hawser':
      return `${endpoint.tls ? 'https' : 'http'}://${hostPort(endpoint)} (agent)`;
    case 'edge':
      return `the edge agent of environment ${endpoint.environmentId}`;
  }
}

/** The origin a request URL starts with; unix sockets get a placeholder host. */
export function originOf(endpoint: HttpEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return 'http://docker';
    case 'tcp':
      return `http://${hostPort(endpoint)}`;
    case 'tcp-tls':
      return `https://${hostPort(endpoint)}`;
    case 'hawser':
      return `${endpoint.tls ? 'https' : 'http'}://${hostPort(endpoint)}`;
  }
}

/** Headers every request to the endpoint carries: a standard agent's token. */
export function endpointHeaders(endpoint: HttpEndpoint): Record<string, string> {
  return endpoint.kind === 'hawser' ? { 'X-Hawser-Token': endpoint.token } : {};
}

/**
 * Bun's TLS options for an endpoint over TLS (undefined for plain ones): the server is verified
 * against the CA (the system's when an agent has none); an empty client certificate or key is
 * left out rather than handed to OpenSSL as a broken PEM.
 */
export function tlsOptions(endpoint: HttpEndpoint) {
  if (endpoint.kind === 'hawser') {
    if (!endpoint.tls) return undefined;
    return { ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}), rejectUnauthorized: true };
  }
  if (endpoint.kind !== 'tcp-tls') return undefined;
  const { tls } = endpoint;
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
