// Every API error leaves as JSON {code, message} with the status that fits. Codes are stable:
// clients and the UI may switch on them.
import { NotFoundError, ParseError, ValidationError } from 'elysia';
import { AuthError } from '../auth/errors.ts';
import { ComposeError } from '../docker/compose/errors.ts';
import {
  DockerApiError,
  DockerNotEngineError,
  DockerTimeoutError,
  DockerUnreachableError,
  DockerVersionError,
} from '../docker/errors.ts';
import { RegistryError } from '../docker/registry-client.ts';
import { GitSshError, type GitSshErrorCode, type ShownHostKey } from '../git/ssh-errors.ts';
import { ChannelInputError } from '../notifications/channel-input.ts';
import { ScheduleInputError } from '../scheduler/scheduler.ts';
import { StackNameTakenError } from '../stacks/stack-store.ts';
import { ProviderSlugTakenError } from '../store/auth-providers.ts';
import { EnvironmentNameTakenError } from '../store/environments.ts';
import { ChannelNameTakenError } from '../store/notification-channels.ts';
import { RegistryNameTakenError } from '../store/registries.ts';
import { RoleNameTakenError } from '../store/roles.ts';
import { UsernameTakenError } from '../store/users.ts';

export interface ErrorBody {
  code: string;
  message: string;
  /** The key a Git server over SSH showed, to confirm and pin (UNKNOWN_HOST_KEY, HOST_KEY_MISMATCH). */
  hostKey?: ShownHostKey;
  expectedFingerprint?: string;
}

/** A Git server's answers are about its credentials and reach, not the caller's session. */
const GIT_SSH_STATUS: Record<GitSshErrorCode, number> = {
  SSH_URL_INVALID: 400,
  SSH_KEY_INVALID: 400,
  SSH_KEY_PASSPHRASE: 400,
  SSH_HOST_KEY_INVALID: 400,
  UNKNOWN_HOST_KEY: 409,
  HOST_KEY_MISMATCH: 409,
  SSH_AUTH_FAILED: 424,
  GIT_REPOSITORY_NOT_FOUND: 404,
  SSH_UNREACHABLE: 502,
  SSH_CONNECTION_LOST: 502,
  SSH_REMOTE_ERROR: 502,
  SSH_PROTOCOL_ERROR: 502,
  SSH_TIMEOUT: 504,
  SSH_ABORTED: 503,
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function describeError(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  const known = (status: number, code: string, message: string) => ({
    status,
    body: { code, message },
    unexpected: false,
  });
  if (error instanceof HttpError || error instanceof AuthError)
    return known(error.status, error.code, error.message);
  if (error instanceof ValidationError) return known(400, 'VALIDATION', describeValidation(error));
  // Elysia wraps whatever a body parser throws; ours throws HttpError for a body over the limit.
  if (error instanceof ParseError) {
    if (error.cause instanceof HttpError) return describeError(error.cause);
    return known(400, 'INVALID_BODY', 'The request body is not valid JSON');
  }
  // A Compose file's problem names the file, line and key.
  if (error instanceof ComposeError)
    return known(error.code === 'compose_too_large' ? 413 : 400, error.code.toUpperCase(), error.toString());
  if (error instanceof StackNameTakenError) return known(409, 'STACK_EXISTS', error.message);
  if (error instanceof NotFoundError) return known(404, 'NOT_FOUND', 'No such API route');
  if (error instanceof ScheduleInputError || error instanceof ChannelInputError)
    return known(400, error.code, error.message);
  if (error instanceof ChannelNameTakenError) return known(409, 'CHANNEL_NAME_TAKEN', error.message);
  // decodeURIComponent on a path like /% or /a%zz
  if (error instanceof URIError)
    return known(400, 'INVALID_PATH', 'The request path is not valid percent-encoding');
  if (error instanceof EnvironmentNameTakenError) return known(409, 'ENVIRONMENT_NAME_TAKEN', error.message);
  if (error instanceof UsernameTakenError) return known(409, 'USERNAME_TAKEN', error.message);
  if (error instanceof RoleNameTakenError) return known(409, 'ROLE_NAME_TAKEN', error.message);
  if (error instanceof ProviderSlugTakenError) return known(409, 'PROVIDER_ID_TAKEN', error.message);
  if (error instanceof RegistryNameTakenError) return known(409, 'REGISTRY_NAME_TAKEN', error.message);
  // A registry's 401 is about its credentials, not the caller's session: 424 keeps them apart.
  if (error instanceof RegistryError) {
    const status = error.status === 401 ? 424 : error.status === 404 ? 404 : 502;
    const code =
      error.code ??
      { 401: 'REGISTRY_UNAUTHORIZED', 404: 'REGISTRY_NOT_FOUND_THERE' }[error.status] ??
      'REGISTRY_ERROR';
    return known(status, code, error.message);
  }
  if (error instanceof GitSshError) {
    return { status: GIT_SSH_STATUS[error.code], body: error.toJSON(), unexpected: false };
  }
  if (error instanceof DockerUnreachableError) return known(502, 'DOCKER_UNREACHABLE', error.message);
  if (error instanceof DockerTimeoutError) return known(504, 'DOCKER_TIMEOUT', error.message);
  if (error instanceof DockerVersionError) return known(502, 'DOCKER_UNSUPPORTED_VERSION', error.message);
  if (error instanceof DockerNotEngineError) return known(502, 'NOT_DOCKER_ENGINE', error.message);
  if (error instanceof DockerApiError) return describeDockerApiError(error);
  return {
    status: 500,
    body: { code: 'INTERNAL', message: 'Internal error; the server log has the details' },
    unexpected: true,
  };
}

// The daemon's 4xx answers are the caller's fault and keep a clear code; its 5xx are ours to
// report as a bad gateway. Either way the daemon's own message is passed through, except Go's
// JSON decoder text, which says which field instead. A 401 or 403 from the daemon (an
// authorization plugin, a proxy) is not the caller's session: it is a 502 too.
function describeDockerApiError(error: DockerApiError) {
  const unreadable = /json: cannot unmarshal .* into Go struct field (\S+) of type/.exec(error.message);
  if (unreadable) {
    const field = (unreadable[1] ?? '').replace(/^(\w+)\.\1\./, '$1.');
    return {
      status: 400,
      body: {
        code: 'DOCKER_BAD_REQUEST',
        message: `Docker could not read the request: ${field} is out of range or of the wrong type`,
      },
      unexpected: false,
    };
  }
  const byStatus: Record<number, [number, string]> = {
    400: [400, 'DOCKER_BAD_REQUEST'],
    401: [502, 'DOCKER_REFUSED'],
    403: [502, 'DOCKER_REFUSED'],
    404: [404, 'DOCKER_NOT_FOUND'],
    409: [409, 'DOCKER_CONFLICT'],
  };
  const clientError = error.status >= 400 && error.status < 500;
  const [status, code] =
    byStatus[error.status] ?? (clientError ? [400, 'DOCKER_BAD_REQUEST'] : [502, 'DOCKER_ERROR']);
  return { status, body: { code, message: error.message }, unexpected: false };
}

function describeValidation(error: ValidationError): string {
  const first = error.all[0];
  if (!first) return `Invalid ${error.type}`;
  const where = 'path' in first && first.path ? ` ${first.path.replace(/^\//, '').replaceAll('/', '.')}` : '';
  // A schema's own `error` text says what a good value looks like; prefer it.
  const custom = 'schema' in first ? (first.schema as { error?: unknown }).error : undefined;
  const what =
    typeof custom === 'string' ? custom : 'summary' in first && first.summary ? first.summary : first.message;
  return `Invalid ${error.type}${where}: ${what}`;
}
