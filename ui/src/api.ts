// Typed access to the Windflow API. Every error answer becomes an ApiError carrying the
// server's code and message, which pages show to the person, and the answer's other fields
// (for example the host key an SSH server showed), which pages can act on.
import type { EnvironmentInfo } from '../../src/docker/views.ts';
import type { ShownHostKey } from '../../src/git/ssh-errors.ts';
import type {
  AgentConnectionEvent,
  EdgeEnrolment,
  Environment,
  EnvironmentInput,
} from '../../src/store/records.ts';

export type {
  AgentConnectionEvent,
  AgentStatus,
  EdgeEnrolment,
  Environment,
  EnvironmentInput,
  EnvironmentType,
} from '../../src/store/records.ts';
export type { EnvironmentInfo, ShownHostKey };

/** The fields of an error answer besides `code` and `message`. */
export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  /** The key an SSH server showed (UNKNOWN_HOST_KEY, HOST_KEY_MISMATCH): to confirm and pin. */
  readonly hostKey?: ShownHostKey;
  /** The pinned host key's fingerprint the server's did not match (HOST_KEY_MISMATCH). */
  readonly expectedFingerprint?: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Every other field of the answer, as sent. */
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    const { hostKey, expectedFingerprint } = details;
    if (isShownHostKey(hostKey)) this.hostKey = hostKey;
    if (typeof expectedFingerprint === 'string') this.expectedFingerprint = expectedFingerprint;
  }
}

function isShownHostKey(value: unknown): value is ShownHostKey {
  const key = value as Partial<ShownHostKey> | null | undefined;
  return typeof key?.publicKey === 'string' && typeof key.fingerprint === 'string';
}

const CSRF_COOKIE = 'windflow_csrf';

function csrfToken(): string {
  const cookie = document.cookie.split('; ').find((part) => part.startsWith(`${CSRF_COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(CSRF_COOKIE.length + 1)) : '';
}

/** Called when the server says the session is gone, so the app can show the login page. */
let onUnauthenticated: (code: string) => void = () => {};
export function whenUnauthenticated(handler: (code: string) => void): void {
  onUnauthenticated = handler;
}

/**
 * `path` is relative (`api/…`): it resolves against the <base href> the server writes into
 * index.html, which names the prefix a reverse proxy publishes Windflow under.
 * `body` goes as JSON, except files: a FormData (multipart) or a Blob (its own bytes). */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body instanceof Blob) headers['content-type'] = body.type || 'application/octet-stream';
  else if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body:
        body === undefined || body instanceof FormData || body instanceof Blob ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Windflow did not answer: check that it is running');
  }
  if (response.status === 204) return undefined as T;
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) {
    const {
      code = 'UNKNOWN',
      message = `HTTP ${response.status}`,
      ...details
    } = (payload && typeof payload === 'object' ? payload : {}) as ErrorDetails & {
      code?: string;
      message?: string;
    };
    if (response.status === 401) onUnauthenticated(code);
    throw new ApiError(response.status, code, message, details);
  }
  return payload as T;
}

export const api = {
  environments: () => call<Environment[]>('GET', 'api/environments'),
  createEnvironment: (input: EnvironmentInput) =>
    call<Environment & { enrolment?: EdgeEnrolment }>('POST', 'api/environments', input),
  issueAgentToken: (id: number) => call<EdgeEnrolment>('POST', `api/environments/${id}/agent/token`),
  agentHistory: (id: number) => call<AgentConnectionEvent[]>('GET', `api/environments/${id}/agent/history`),
  /** Server-sent events: {environmentId, agent} whenever an agent connects, drops or reports latency. */
  agentEventsUrl: 'api/environments/agent-events',
  updateEnvironment: (id: number, input: Partial<EnvironmentInput>) =>
    call<Environment>('PATCH', `api/environments/${id}`, input),
  removeEnvironment: (id: number) => call<void>('DELETE', `api/environments/${id}`),
  testEnvironment: (id: number) =>
    call<{ engineVersion: string; apiVersion: string }>('POST', `api/environments/${id}/test`),
  environmentInfo: (id: number) => call<EnvironmentInfo>('GET', `api/environments/${id}/info`),
};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
