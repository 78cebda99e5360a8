// The public port. Bun's HTTP server can upgrade a connection only to a WebSocket, while the
// docker CLI's exec and attach ask for `Upgrade: tcp` and then use the bare connection both
// ways. So a raw listener takes each connection first: when its first request is such an
// upgrade to the Engine API per environment, the app answers it in process (access, audit and
// all) and the connection is joined to the daemon's hijacked one; every other connection is
// joined byte for byte to the HTTP server, which listens on loopback behind it. The app learns
// the real peer (and whether it came over TLS) through peerOf.
import type { Server, Socket, TCPSocketListener } from 'bun';
import type { HijackedConnection } from '../docker/hijack.ts';
import { SocketJoin } from './socket-join.ts';

export interface Peer {
  address: string;
  tls: boolean;
}

export interface FrontDoorOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  /** The HTTP server behind, on 127.0.0.1. */
  innerPort: number;
  /** Answers a request in process (Elysia's app.handle). */
  handle(request: Request): Promise<Response>;
}

/** A request head larger than this goes to the HTTP server, which refuses it. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Upgrade request bodies (exec start, attach) are small JSON documents. */
const MAX_UPGRADE_BODY_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const ENGINE_PATH = /^\/(?:[^?]*\/)?api\/environments\/\d+\/docker\//;

interface Connection {
  head: Buffer;
  join?: SocketJoin;
  bridge?: Bridge;
  /** Set while the in-process answer to an upgrade is worked out. */
  answering?: boolean;
  /** The caller half-closed while its upgrade was being answered. */
  endedEarly?: boolean;
  /** The caller's socket closed. */
  gone?: boolean;
}

/** Each front door's open connections, for its stop. */
const openSockets = new WeakMap<object, Set<Socket<Connection>>>();
/** Peers of the connections joined to an HTTP server, by `<joined port>><server port>`. */
const joinedPeers = new Map<string, Peer>();
/** Peers of the upgrade requests answered in process. */
const requestPeers = new WeakMap<Request, Peer>();
/** Upgrade requests the front door asked the app to answer, and the connection it answered with. */
const offeredUpgrades = new WeakMap<Request, { connection?: HijackedConnection }>();

/** Who sent a request the front door passed on; undefined when it came to the server directly. */
export function peerOf(request: Request, server: Server<unknown> | null | undefined): Peer | undefined {
  const direct = requestPeers.get(request);
  if (direct) return direct;
  const joined = server?.requestIP(request);
  return joined ? joinedPeers.get(`${joined.port}>${server?.port}`) : undefined;
}

/** True when the request came through the front door, which can hand its connection over. */
export function canUpgrade(request: Request): boolean {
  return offeredUpgrades.has(request);
}

/** The app's answer to an offered upgrade: the connection to join the caller to. */
export function acceptUpgrade(request: Request, connection: HijackedConnection): Response {
  const offer = offeredUpgrades.get(request);
  if (!offer) throw new Error('this request was not offered an upgrade');
  offer.connection = connection;
  return new Response(null, { status: 101 });
}

/** What the front door needs of the app: Elysia's listen and in-process handle. */
interface ServedApp {
  listen(options: { hostname: string; port: number; maxRequestBodySize: number }): unknown;
  server: Server<unknown> | null;
  handle(request: Request): Promise<Response>;
  stop(closeActiveConnections?: boolean): Promise<unknown>;
}

/** The app on loopback behind a front door on the public address; stop ends both. */
export function serveBehindFrontDoor(
  app: ServedApp,
  options: {
    hostname: string;
    port: number;
    tls?: { cert: string; key: string };
    maxRequestBodySize: number;
  },
): { port: number; innerPort: number; stop(): Promise<void> } {
  app.listen({ hostname: '127.0.0.1', port: 0, maxRequestBodySize: options.maxRequestBodySize });
  const innerPort = app.server?.port as number;
  let door: TCPSocketListener<Connection>;
  try {
    door = listenFrontDoor({ ...options, innerPort, handle: (request) => app.handle(request) });
  } catch (error) {
    void app.stop(true);
    throw error;
  }
  return {
    port: door.port,
    innerPort,
    async stop() {
      door.stop(true);
      // A TLS listener's stop leaves its open connections be: they end here, joins and all.
      for (const socket of openSockets.get(door) ?? []) socket.terminate();
      await app.stop(true);
    },
  };
}

export function listenFrontDoor(options: FrontDoorOptions): TCPSocketListener<Connection> {
  const tls = Boolean(options.tls);

  const passOn = (socket: Socket<Connection>) => {
    const join = new SocketJoin(socket as Socket<unknown>);
    const first = socket.data.head;
    socket.data.join = join;
    socket.data.head = Buffer.alloc(0);
    let key: string | undefined;
    join.connect({ hostname: '127.0.0.1', port: options.innerPort }, first, {
      opened: (inner) => {
        key = `${inner.localPort}>${options.innerPort}`;
        joinedPeers.set(key, { address: socket.remoteAddress, tls });
      },
      closed: () => {
        if (key) joinedPeers.delete(key);
      },
      failed: () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    });
  };

  const answerUpgrade = async (socket: Socket<Connection>, head: string, body: Buffer) => {
    const [requestLine = '', ...lines] = head.split('\r\n');
    const [method = 'GET', target = '/'] = requestLine.split(' ');
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const request = new Request(`${tls ? 'https' : 'http'}://front-door.windflow${target}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    });
    const offer: { connection?: HijackedConnection } = {};
    offeredUpgrades.set(request, offer);
    requestPeers.set(request, { address: socket.remoteAddress, tls });
    const response = await options
      .handle(request)
      .catch(() => new Response('{"code":"INTERNAL","message":"the upgrade failed"}', { status: 500 }));
    if (response.status === 101 && offer.connection) {
      if (socket.data.gone) return offer.connection.close();
      socket.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
      socket.data.bridge = new Bridge(socket, offer.connection);
      return;
    }
    offer.connection?.close();
    const text = Buffer.from(await response.arrayBuffer());
    const headerLines: string[] = [];
    response.headers.forEach((value, name) => {
      if (!['content-length', 'connection', 'transfer-encoding'].includes(name))
        headerLines.push(`${name}: ${value}`);
    });
    socket.write(
      [
        `HTTP/1.1 ${response.status} ${response.statusText || 'Refused'}`,
        ...headerLines,
        `Content-Length: ${text.length}`,
        // No "Connection: close": the docker CLI would take that as an old daemon's upgrade.
        '',
        '',
      ].join('\r\n'),
    );
    socket.end(text);
  };

  const sockets = new Set<Socket<Connection>>();
  const listener = Bun.listen<Connection>({
    hostname: options.hostname,
    port: options.port,
    allowHalfOpen: true,
    ...(options.tls ? { tls: options.tls } : {}),
    socket: {
      open(socket) {
        socket.data = { head: Buffer.alloc(0) };
        sockets.add(socket);
      },
      data(socket, bytes) {
        const connection = socket.data;
        if (connection.join) return connection.join.fromClient(bytes);
        if (connection.bridge) return connection.bridge.fromClient(bytes);
        connection.head = Buffer.concat([connection.head, bytes]);
        if (connection.answering) return;
        const end = connection.head.indexOf(HEAD_END);
        if (end < 0) {
          // Not a request this door answers: a WebSocket, a page, a TLS hello on a plain port.
          const lineEnd = connection.head.indexOf('\r\n');
          const line = connection.head.subarray(0, lineEnd < 0 ? 512 : lineEnd).toString('latin1');
          const engine = ENGINE_PATH.test(line.split(' ')[1] ?? '');
          if ((lineEnd >= 0 && !engine) || connection.head.length > MAX_HEAD_BYTES) passOn(socket);
          return;
        }
        const head = connection.head.subarray(0, end).toString('latin1');
        const length = upgradeBodyLength(head);
        if (length === undefined) return passOn(socket);
        const bodyStart = end + HEAD_END.length;
        if (connection.head.length < bodyStart + length) return;
        connection.answering = true;
        const body = connection.head.subarray(bodyStart, bodyStart + length);
        const rest = connection.head.subarray(bodyStart + length);
        connection.head = Buffer.from(rest);
        void answerUpgrade(socket, head, body).then(() => {
          const early = socket.data.head;
          socket.data.head = Buffer.alloc(0);
          if (early.length > 0) socket.data.bridge?.fromClient(early);
          if (socket.data.bridge && connection.endedEarly) socket.data.bridge.clientEnded();
        });
      },
      drain(socket) {
        socket.data.join?.clientDrained();
        socket.data.bridge?.drained();
      },
      end(socket) {
        const connection = socket.data;
        if (connection.join) connection.join.clientEnded();
        else if (connection.bridge) connection.bridge.clientEnded();
        else if (connection.answering) connection.endedEarly = true;
        else socket.end();
      },
      close(socket) {
        sockets.delete(socket);
        callerGone(socket);
      },
      error(socket) {
        callerGone(socket);
      },
    },
  });
  openSockets.set(listener, sockets);
  return listener;
}

function callerGone(socket: Socket<Connection>): void {
  if (!socket.data) return;
  socket.data.gone = true;
  socket.data.join?.clientClosed();
  socket.data.bridge?.close();
}

/**
 * The body length of an upgrade (not WebSocket) request to the Engine API per environment, or
 * undefined for any other request, which the HTTP server answers.
 */
function upgradeBodyLength(head: string): number | undefined {
  const [requestLine = '', ...lines] = head.split('\r\n');
  if (!ENGINE_PATH.test(requestLine.split(' ')[1] ?? '')) return undefined;
  const header = (name: string) =>
    lines
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const upgrade = header('upgrade')?.toLowerCase();
  if (!upgrade || upgrade === 'websocket' || header('transfer-encoding')) return undefined;
  const length = Number(header('content-length') ?? 0);
  return Number.isInteger(length) && length >= 0 && length <= MAX_UPGRADE_BODY_BYTES ? length : undefined;
}

/** A caller's bare connection joined to the daemon's hijacked one. */
class Bridge {
  private writing: Promise<void> = Promise.resolve();
  private drainWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly socket: Socket<Connection>,
    private readonly connection: HijackedConnection,
  ) {
    void this.pumpOutput();
  }

  /** Input goes in order; the socket pauses until the daemon took it. */
  fromClient(bytes: Uint8Array): void {
    const copy = new Uint8Array(bytes);
    this.socket.pause();
    this.writing = this.writing
      .then(() => this.connection.write(copy))
      .then(
        () => this.socket.resume(),
        () => this.close(),
      );
  }

  clientEnded(): void {
    void this.writing.then(() => this.connection.closeWrite());
  }

  drained(): void {
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const resume of waiting) resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.close();
    this.socket.end();
    this.drained();
  }

  private async pumpOutput(): Promise<void> {
    try {
      for await (const chunk of this.connection.output) {
        let bytes = chunk;
        while (bytes.length > 0 && !this.closed) {
          const written = this.socket.write(bytes);
          if (written < 0) return this.close();
          bytes = bytes.subarray(written);
          if (bytes.length > 0) await new Promise<void>((resume) => this.drainWaiters.push(resume));
        }
        if (this.closed) return;
      }
      // The command ended: the caller reads the end of its output.
      this.socket.end();
    } catch {
      this.close();
    }
  }
}
