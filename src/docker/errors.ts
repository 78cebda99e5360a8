/** The daemon answered with an error status; `message` is the daemon's own. */
export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DockerApiError';
  }
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
