// What runs inside one container: its logs (live, as server-sent events, or as a download),
// live resource usage, its processes, and files in and out as tar.
import { Elysia, t } from 'elysia';
import type { DockerClient } from '../../docker/client.ts';
import { ratesBetween, usageOf } from '../../docker/container-stats.ts';
import { dockerTopColumns } from '../../docker/podman.ts';
import { type LogChunk, streamFrom } from '../../docker/streams.ts';
import type { Usage } from '../../docker/views.ts';
import { tarStream } from '../../docker/volume-tar.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { attachment } from '../attachment.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema, isFlagSet, QueryFlag } from '../schemas.ts';
import { eventStreamResponse, type ServerSentEvent } from '../server-sent-events.ts';
import { ContainerIdParams } from './container-schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface ContainerStreamRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

const tags = ['containers'];
const failures = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };
const MAX_UPLOAD_FILES = 100;

const LogQuery = t.Object({
  tail: t.Optional(
    t.Union([t.Literal('all'), t.Integer({ minimum: 0, maximum: 100_000 })], {
      description: 'lines from the end to start with (default 500)',
    }),
  ),
  since: t.Optional(t.Integer({ minimum: 0, description: 'Unix seconds' })),
  timestamps: QueryFlag('each line starts with its time (default true)'),
  follow: QueryFlag('keep streaming new lines (default true)'),
});

export function containerStreamRoutes({ access, environments, clients }: ContainerStreamRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));
  /** The environment's client, once the container is known to run; else a 409 saying `why`. */
  const runningClientOf = async (params: { id: number; containerId: string }, why: string) => {
    const client = await clientOf(params.id);
    const { State } = await client.inspectContainer(params.containerId);
    if (!State.Running)
      throw new HttpError(409, 'CONTAINER_NOT_RUNNING', `The container is not running: ${why}`);
    return client;
  };

  return new Elysia({ prefix: '/api/environments/:id/containers/:containerId' })
    .use(access)
    .get(
      '/logs',
      async ({ params, query }) => {
        const client = await clientOf(params.id);
        await client.inspectContainer(params.containerId); // a missing container is a 404, not a broken stream
        return eventStreamResponse((signal) =>
          logMessages(
            client.containerLogs(params.containerId, {
              follow: isFlagSet(query.follow, true),
              tail: query.tail ?? 500,
              since: query.since,
              timestamps: isFlagSet(query.timestamps, true),
              signal,
            }),
          ),
        );
      },
      {
        access: 'containers:logs',
        params: ContainerIdParams,
        query: LogQuery,
        response: failures,
        detail: {
          summary:
            'Logs as server-sent events: {stream, lines} messages, stdout and stderr apart (TTY output is all stdout)',
          tags,
        },
      },
    )
    .get(
      '/logs/download',
      async ({ params, query }) => {
        const client = await clientOf(params.id);
        const { Name } = await client.inspectContainer(params.containerId);
        const chunks = client.containerLogs(params.containerId, {
          tail: query.tail ?? 'all',
          since: query.since,
          timestamps: isFlagSet(query.timestamps, true),
        });
        const body = streamFrom(
          (async function* () {
            for await (const chunk of chunks) yield chunk.data;
          })(),
        );
        return attachment(body, `${Name.replace(/^\//, '')}.log`, 'text/plain; charset=utf-8');
      },
      {
        access: 'containers:logs',
        params: ContainerIdParams,
        query: t.Omit(LogQuery, ['follow']),
        response: failures,
        detail: { summary: 'The logs as a text file', tags },
      },
    )
    .get(
      '/stats',
      async ({ params }) => {
        const client = await runningClientOf(params, 'it has no live usage');
        return eventStreamResponse((signal) => usageMessages(client, params.containerId, signal));
      },
      {
        access: 'containers:read',
        params: ContainerIdParams,
        response: failures,
        detail: {
          summary: 'Live CPU, memory, network and block I/O (with rates) and PIDs, about once a second',
          tags,
        },
      },
    )
    .get(
      '/top',
      async ({ params }) => {
        const client = await runningClientOf(params, 'it has no processes');
        const answer = await client.topContainer(params.containerId);
        const top = { Titles: answer.Titles, Processes: answer.Processes ?? [] };
        const { Titles, Processes } = (await client.engineKind()) === 'podman' ? dockerTopColumns(top) : top;
        return { titles: Titles, processes: Processes };
      },
      {
        access: 'containers:read',
        params: ContainerIdParams,
        response: {
          200: t.Object({ titles: t.Array(t.String()), processes: t.Array(t.Array(t.String())) }),
          ...failures,
        },
        detail: { summary: "The container's processes, with the columns the daemon gives", tags },
      },
    )
    .get(
      '/files',
      async ({ params, query }) => {
        const client = await clientOf(params.id);
        const archive = await client.getArchive(params.containerId, query.path);
        const name = query.path.replace(/\/+$/, '').split('/').pop() || 'root';
        return attachment(archive, `${name}.tar`, 'application/x-tar');
      },
      {
        access: 'containers:exec',
        params: ContainerIdParams,
        query: t.Object({
          path: t.String({ pattern: '^/', maxLength: 4096, error: 'give an absolute path' }),
        }),
        response: failures,
        detail: { summary: 'Download a file or folder from the container, as a tar', tags },
      },
    )
    .post(
      '/files',
      async ({ params, query, body, set }) => {
        const files = [body.files].flat();
        const client = await clientOf(params.id);
        const mtime = Math.floor(Date.now() / 1000);
        await client.putArchive(
          params.containerId,
          query.path,
          tarStream(
            files.map((file) => ({
              name: file.name,
              size: file.size,
              mode: 0o644,
              uid: 0,
              gid: 0,
              mtime,
              body: () => file.stream(),
            })),
          ),
        );
        set.status = 201;
        return { uploaded: files.map((file) => file.name) };
      },
      {
        access: 'containers:exec',
        params: ContainerIdParams,
        query: t.Object({
          path: t.String({
            pattern: '^/',
            maxLength: 4096,
            error: 'give the absolute path of an existing folder',
          }),
        }),
        body: t.Object({
          files: t.Union([t.File(), t.Files({ maxItems: MAX_UPLOAD_FILES })]),
        }),
        response: { 201: t.Object({ uploaded: t.Array(t.String()) }), ...failures },
        detail: { summary: 'Upload files (multipart "files") into a folder of the container', tags },
      },
    );
}

/** Complete lines per stream; a TTY's carriage returns are dropped. */
async function* logMessages(chunks: AsyncIterable<LogChunk>): AsyncGenerator<ServerSentEvent> {
  const pending = { stdout: '', stderr: '', stdin: '' };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder(), stdin: new TextDecoder() };
  for await (const chunk of chunks) {
    const text = pending[chunk.stream] + decoders[chunk.stream].decode(chunk.data, { stream: true });
    const lines = text.split('\n');
    pending[chunk.stream] = lines.pop() ?? '';
    if (lines.length > 0) yield { data: { stream: chunk.stream, lines: lines.map(withoutCarriageReturn) } };
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pending[stream]) yield { data: { stream, lines: [withoutCarriageReturn(pending[stream])] } };
  }
  yield { event: 'end', data: { message: 'The log stream ended (the container stopped)' } };
}

const withoutCarriageReturn = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

async function* usageMessages(
  client: DockerClient,
  containerId: string,
  signal: AbortSignal,
): AsyncGenerator<ServerSentEvent> {
  let previous: Usage | undefined;
  for await (const sample of client.containerStats(containerId, { signal })) {
    if (!sample.read || sample.read.startsWith('0001-')) continue; // the stopped container's empty sample
    const usage = usageOf(sample);
    yield { data: { ...usage, ...(previous ? ratesBetween(previous, usage) : {}) } };
    previous = usage;
  }
  yield { event: 'end', data: { message: 'The container stopped' } };
}
