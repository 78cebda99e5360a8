// The web terminal: a WebSocket joined to an exec session with a TTY (or to the container's main
// process with `mode=attach`). The browser sends JSON text frames ({type:'input', data} and
// {type:'resize', cols, rows}); the server sends the terminal's output as binary frames and
// JSON text frames for its own news ({type:'ready', shell}, {type:'exit', ...},
// {type:'error', message}).
import { Elysia, t } from 'elysia';
import type { DockerClient } from '../../docker/client.ts';
import { DockerApiError } from '../../docker/errors.ts';
import type { HijackedConnection } from '../../docker/hijack.ts';
import { demuxDockerStream, streamFrom } from '../../docker/streams.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { recordAction } from '../audit-trail.ts';
import { describeError } from '../errors.ts';
import { ContainerIdParams } from './container-schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface TerminalRouteDeps {
  access: AccessControl;
  audit: AuditLog;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

/** Tried in this order when the person does not name a shell. */
export const SHELL_CANDIDATES = ['/bin/bash', '/bin/sh', '/bin/ash'];

const ClientMessage = t.Union([
  t.Object({ type: t.Literal('input'), data: t.String({ maxLength: 65_536 }) }),
  t.Object({
    type: t.Literal('resize'),
    cols: t.Integer({ minimum: 1, maximum: 1000 }),
    rows: t.Integer({ minimum: 1, maximum: 1000 }),
  }),
]);

/** How long the TTY gets to deliver an interrupt before the end of input follows. */
const INTERRUPT_SETTLE_MS = 100;

interface Session {
  connection?: HijackedConnection;
  leave?: () => Promise<void>;
  resize?: (size: { cols: number; rows: number }) => Promise<void>;
  closed: boolean;
}

export function terminalRoutes({ access, audit, environments, clients }: TerminalRouteDeps) {
  const sessions = new WeakMap<object, Session>();

  return new Elysia({ prefix: '/api/environments/:id/containers/:containerId' }).use(access).ws('/terminal', {
    access: 'containers:exec',
    params: ContainerIdParams,
    query: t.Object({
      mode: t.Optional(t.Union([t.Literal('exec'), t.Literal('attach')])),
      shell: t.Optional(
        t.String({ maxLength: 256, description: 'a command; default: bash, then sh, then ash' }),
      ),
      user: t.Optional(t.String({ maxLength: 256 })),
      cols: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
      rows: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
    }),
    body: ClientMessage,
    detail: { summary: 'A terminal in the container over a WebSocket (see the protocol in the route file)' },
    async open(ws) {
      const session: Session = { closed: false };
      sessions.set(ws.raw, session);
      const { id, containerId } = ws.data.params;
      const query = ws.data.query;
      const say = (message: object) => ws.send(JSON.stringify(message));
      const audited = (outcome: 'success' | 'failure', detail: string) =>
        recordAction(audit, ws.data, {
          environmentId: id,
          action: 'containers:exec',
          target: new URL(ws.data.request.url).pathname,
          outcome,
          detail,
        });
      try {
        const client = await clients.clientFor(await requireEnvironment(environments, id));
        const { State, Config } = await client.inspectContainer(containerId);
        if (!State.Running || State.Paused) {
          const message = `The container is ${State.Status}: start it to open a terminal`;
          say({ type: 'error', message });
          await audited('failure', `terminal: ${message}`);
          ws.close(4409, 'container not running');
          return;
        }
        const size = { cols: query.cols ?? 80, rows: query.rows ?? 24 };
        const opened =
          query.mode === 'attach'
            ? await attach(client, containerId, Config.Tty)
            : await execShell(client, containerId, query.shell, query.user);
        session.connection = opened.connection;
        session.resize = opened.resize;
        session.leave = opened.leave;
        if (session.closed) {
          opened.connection.close();
          return;
        }
        // Sized before "ready", so that the browser's own resize cannot be overtaken by this one.
        await opened.resize(size).catch(() => {});
        say({ type: 'ready', shell: opened.description });
        await audited('success', `terminal: ${opened.description}`);
        // Elysia would JSON-encode a Uint8Array; the raw socket sends it as a binary frame.
        void pump(opened.connection, (bytes) => ws.raw.send(bytes)).then(async () => {
          if (session.closed) return;
          say({ type: 'exit', ...(await opened.exitInfo()) });
          ws.close(1000, 'ended');
        });
      } catch (error) {
        const { message } = describeError(error).body;
        say({ type: 'error', message });
        await audited('failure', `terminal: ${message}`);
        ws.close(4400, 'could not open');
      }
    },
    async message(ws, message) {
      const session = sessions.get(ws.raw);
      if (!session?.connection) return;
      if (message.type === 'input') await session.connection.write(message.data).catch(() => {});
      else await session.resize?.(message).catch(() => {});
    },
    async close(ws) {
      const session = sessions.get(ws.raw);
      if (!session) return;
      session.closed = true;
      await session.leave?.().catch(() => {});
      session.connection?.close();
    },
  });
}

interface OpenedTerminal {
  connection: HijackedConnection;
  description: string;
  /** Ends what runs when the browser goes away; absent for attach (the main process stays). */
  leave?: () => Promise<void>;
  resize(size: { cols: number; rows: number }): Promise<void>;
  exitInfo(): Promise<{ code?: number; message: string }>;
}

async function execShell(
  client: DockerClient,
  containerId: string,
  shell: string | undefined,
  user: string | undefined,
): Promise<OpenedTerminal> {
  const command = shell?.trim() ? shell.trim().split(/\s+/) : [await findShell(client, containerId)];
  const { Id } = await client.execCreate(containerId, {
    Cmd: command,
    Tty: true,
    AttachStdin: true,
    ...(user?.trim() ? { User: user.trim() } : {}),
    Env: ['TERM=xterm-256color'],
  });
  const connection = await client.execStart(Id, { tty: true });
  return {
    connection,
    description: command.join(' '),
    // Docker keeps an exec running when its connection drops. Ctrl-C stops a program in the
    // foreground (and flushes the TTY's input, hence the pause), then Ctrl-D ends the shell.
    // A program that ignores both (an editor) stays until the container stops.
    async leave() {
      await connection.write('\x03');
      await Bun.sleep(INTERRUPT_SETTLE_MS);
      await connection.write('\x04');
    },
    resize: ({ cols, rows }) => client.execResize(Id, { w: cols, h: rows }),
    async exitInfo() {
      const { ExitCode } = await client.execInspect(Id);
      return { code: ExitCode ?? undefined, message: `${command.join(' ')} exited with code ${ExitCode}` };
    },
  };
}

async function attach(client: DockerClient, containerId: string, tty: boolean): Promise<OpenedTerminal> {
  const path = `/containers/${encodeURIComponent(containerId)}`;
  const connection = await client.hijack('POST', `${path}/attach`, {
    query: { stream: true, stdin: true, stdout: true, stderr: true, logs: false },
  });
  return {
    // Without a TTY the main process's output is framed per stream; the terminal shows it plain.
    connection: tty ? connection : { ...connection, output: streamFrom(unframed(connection.output)) },
    description: 'the main process',
    resize: async ({ cols, rows }) => {
      if (tty) await client.request('POST', `${path}/resize`, { query: { w: cols, h: rows } });
    },
    async exitInfo() {
      return { message: 'The main process ended or detached' };
    },
  };
}

/** The first of bash, sh and ash the container has. */
export async function findShell(client: DockerClient, containerId: string): Promise<string> {
  for (const candidate of SHELL_CANDIDATES) {
    try {
      await client.request('HEAD', `/containers/${encodeURIComponent(containerId)}/archive`, {
        query: { path: candidate },
      });
      return candidate;
    } catch (error) {
      if (!(error instanceof DockerApiError && error.status === 404)) throw error;
    }
  }
  throw new DockerApiError(404, 'The container has no bash, sh or ash: type the command of a shell it has');
}

async function* unframed(output: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of demuxDockerStream(output)) yield chunk.data;
}

async function pump(connection: HijackedConnection, send: (bytes: Uint8Array) => void): Promise<void> {
  try {
    for await (const chunk of connection.output) send(chunk);
  } catch {
    // The connection closed under us: the socket's close handler has already cleaned up.
  }
}
