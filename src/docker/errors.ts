/** The daemon answered with an error status; `message` is the daemon's own. */
export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(withoutNetworkInternals(message));
    this.name = 'DockerApiError';
  }
}

/**
 * The daemon's messages about a registry it could not reach name the Docker host's DNS server
 * and the addresses it tried ("dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no
 * such host"): say what happened, by registry name, without them. Other messages pass as they are.
 */
export function withoutNetworkInternals(message: string): string {
  const url = /"(https?:\/\/[^"]+)"/.exec(message)?.[1];
  let registry: string | undefined;
  try {
    registry = url ? new URL(url).host : undefined;
  } catch {
    registry = undefined;
  }
  const lookup = /lookup (\S+?) on \S+?: (.+)$/.exec(message);
  if (lookup) {
    return `${registry ?? lookup[1]} could not be reached from the Docker host: its name did not resolve (${lookup[2]}). Check the host's DNS and internet access, or use a registry it can reach.`;
  }
  const dial = /dial tcp \S+?: (?:connect: )?(.+)$/.exec(message);
  if (dial) {
    return `${registry ?? 'The registry'} could not be reached from the Docker host (${dial[1]}). Check the host's network, or use a registry it can reach.`;
  }
  return message;
}

/** No answer: refused, no such socket, DNS, TLS handshake. The message says what and where. */
export class DockerUnreachableError extends Error {
  override name = 'DockerUnreachableError';
}

export class DockerTimeoutError extends Error {
  override name = 'DockerTimeoutError';
}

/** The daemon speaks an API older than Windflow supports. */
export class DockerVersionError extends Error {
  override name = 'DockerVersionError';
}

/**
 * Something answered, but not as a Docker Engine API: its answer is not echoed, since the
 * address may be any service's.
 */
export class DockerNotEngineError extends Error {
  override name = 'DockerNotEngineError';
}
