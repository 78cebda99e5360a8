// The Docker Engine API of each environment, at /api/environments/:id/docker/<Engine path>, so
// that the docker CLI works against any environment, edge ones included:
//   docker -H tcp://windflow:5480/api/environments/3/docker ps
// with a Windflow API token in the CLI config's HttpHeaders ("Authorization": "Bearer wf_…").
// Each call needs the Windflow permission its Engine path maps to (engine-permissions.ts) on that
// environment; container create bodies and execs pass the host-access gate; changes are audited
// by the audit trail (target: the Engine path). Answers pass through as the daemon gave them.
// Upgraded connections (exec, attach: `Upgrade: tcp`) arrive through the front door
// (front-door.ts), which joins the caller's connection to the daemon's hijacked one.
import { Elysia } from 'elysia';
import { can, type Principal } from '../../auth/principal.ts';
import {
  assertHostAccess,
  CLOSED_HOST_POLICY,
  type EngineCreateBody,
  hostPowers,
} from '../../docker/host-powers.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { enginePermission } from '../engine-permissions.ts';
import { HttpError } from '../errors.ts';
import { acceptUpgrade, canUpgrade } from '../front-door.ts';
import { requireEnvironment } from './environments.ts';

export interface DockerApiDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

/** Request headers the Engine reads; the rest (cookies, the token) stay here. */
const PASSED_HEADERS = ['content-type', 'x-registry-auth', 'x-registry-config'];
/** Create and exec bodies are read here, before they go on. */
const MAX_CHECKED_BODY = 1024 * 1024;
/** Answer headers that belong to one hop. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** Each method is its own route: an ALL route loses to the UI's GET catch-all. (The CLI's HEAD /_ping falls back to GET.) */
export function dockerApiRoutes(deps: DockerApiDeps) {
  const path = '/api/environments/:id/docker/*';
  const handle = handler(deps);
  return new Elysia()
    .use(deps.access)
    .get(path, handle, options())
    .post(path, handle, options())
    .put(path, handle, options())
    .delete(path, handle, options());
}

/** A new object for each route: Elysia writes the route's hooks into it. */
const options = () => ({
  // The least any Engine call needs; each path's own permission is checked in the handler.
  access: 'environments:read' as const,
  detail: {
    summary: 'The Docker Engine API of the environment (for the docker CLI); each path needs its permission',
    tags: ['environments'],
  },
});

function handler({ environments, clients }: DockerApiDeps) {
  return async ({
    params,
    request,
    principal,
    body: parsed,
    server,
  }: {
    params: { id: string };
    request: Request;
    principal?: Principal;
    body?: unknown;
    server: { timeout(request: Request, seconds: number): void } | null;
  }) => {
    const url = new URL(request.url);
    const environmentId = Number(params.id);
    if (!Number.isInteger(environmentId) || environmentId < 1)
      throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${params.id}`);
    const marker = `/api/environments/${params.id}/docker`;
    const enginePath = url.pathname.slice(url.pathname.indexOf(marker) + marker.length) || '/';
    const method = request.method;
    const permission = enginePermission(method, enginePath);
    if (!permission) {
      throw new HttpError(
        403,
        'ENGINE_PATH_NOT_ALLOWED',
        `Windflow does not pass ${method} ${enginePath} on`,
      );
    }
    if (!principal || !can(principal, permission, environmentId)) {
      throw new HttpError(
        403,
        'FORBIDDEN',
        `You need the ${permission} permission on environment ${environmentId}`,
      );
    }
    const environment = await requireEnvironment(environments, environmentId);
    const client = await clients.clientFor(environment);
    const gate = (powers: ReturnType<typeof hostPowers>) =>
      assertHostAccess(powers, can(principal, 'host:access', environmentId), environmentId);
    if (request.headers.get('upgrade')) {
      // Only the front door can hand a connection over; a request that reached the HTTP server
      // directly (a second request on a kept-alive connection) is told why not.
      if (!canUpgrade(request)) {
        throw new HttpError(
          501,
          'UPGRADE_NOT_SUPPORTED',
          'Attached connections (docker exec, docker attach, docker run without -d) need a fresh connection to Windflow’s own port',
        );
      }
      const bytes = await bodyToPass(method, enginePath, parsed, gate);
      const connection = await client.forwardHijack({
        method,
        path: `${enginePath}${url.search}`,
        body: await jsonOf(bytes),
        timeoutMs: 30_000,
      });
      return acceptUpgrade(request, connection);
    }
    // Followed logs, events and waits stay quiet for as long as the daemon does.
    server?.timeout(request, 0);
    const body = await bodyToPass(method, enginePath, parsed, gate);
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = request.headers.get(name);
      if (value) headers[name] = value;
    }
    const answer = await client.forward({
      method,
      path: `${enginePath}${url.search}`,
      headers,
      body,
      signal: request.signal,
    });
    const passed = new Headers();
    answer.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name.toLowerCase())) passed.set(name, value);
    });
    return new Response(startingAtOnce(answer), { status: answer.status, headers: passed });
  };
}

/**
 * The body to pass on: it comes as a counted stream (see body-limits.ts). Container and exec
 * create bodies are read (at most 1 MiB) and pass the host-access gate first; other bodies (tar
 * archives for docker cp, builds, image loads) stream through untouched.
 */
async function bodyToPass(
  method: string,
  path: string,
  body: unknown,
  gate: (powers: ReturnType<typeof hostPowers>) => void,
): Promise<ReadableStream<Uint8Array> | Uint8Array | undefined> {
  if (method === 'GET' || method === 'HEAD' || !(body instanceof ReadableStream)) return undefined;
  const bare = path.replace(/^\/v\d+\.\d+(?=\/)/, '');
  const isCreate = bare === '/containers/create';
  const isExec = /^\/containers\/[^/]+\/exec$/.test(bare);
  if (!isCreate && !isExec) return body;
  const bytes = await readAtMost(body as ReadableStream<Uint8Array>, MAX_CHECKED_BODY);
  let parsed: EngineCreateBody & { Privileged?: boolean };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as EngineCreateBody;
  } catch {
    throw new HttpError(400, 'INVALID_BODY', 'The request body is not valid JSON');
  }
  if (isCreate) gate(hostPowers(parsed, CLOSED_HOST_POLICY));
  else if (parsed.Privileged === true) gate([{ kind: 'privileged', reason: 'runs a privileged exec' }]);
  return bytes;
}

/** An upgrade request's small JSON body (exec start options), or undefined when it has none. */
async function jsonOf(body: ReadableStream<Uint8Array> | Uint8Array | undefined): Promise<unknown> {
  const text = body === undefined ? '' : await new Response(body).text();
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_BODY', 'The request body is not valid JSON');
  }
}

async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'BODY_TOO_LARGE', 'Create bodies are limited to 1 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The HTTP server sends an answer's headers with its first bytes, and a wait or a quiet event
 * stream may have none for minutes, while the docker CLI waits for the headers. A JSON stream may
 * start with a line break (JSON decoders skip it), so one goes first.
 */
function startingAtOnce(answer: Response): ReadableStream<Uint8Array> | null {
  const body = answer.body;
  const type = answer.headers.get('content-type') ?? '';
  if (!body || answer.headers.has('content-length') || !type.includes('json')) return body;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([10]));
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
