// `windflow agent --listen :2376 --token …`: this host's Docker Engine API on a TCP port (TLS
// with --tls-cert/--tls-key), for a Windflow that connects to it (hawser-standard environments).
// Each connection proves itself in its first request with the X-Hawser-Token header (or
// ?token=), as Hawser's standard mode expects; the connection is then joined byte for byte to
// the Docker socket, so streams and upgraded connections (exec, attach) work unchanged.
// GET /_hawser/health answers without a token; GET /_hawser/info says who the agent is.
import { timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import type { Socket, TCPSocketListener } from 'bun';
import type { Logger } from '../daemon/logger.ts';
import { VERSION } from '../daemon/version.ts';
import { SocketJoin } from '../http/socket-join.ts';

export interface StandardAgentOptions {
  host: string;
  port: number;
  token: string;
  dockerSocket: string;
  logger: Logger;
  tls?: { cert: string; key: string };
}

/** A request head larger than this is refused. */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

interface Client {
  head: Buffer;
  /** Set once the token is checked: the connection is then the Docker socket's. */
  join?: SocketJoin;
}

export function listenStandardAgent(options: StandardAgentOptions): TCPSocketListener<Client> {
  const expected = Buffer.from(options.token);
  const authorised = (token: string | null) => {
    const given = Buffer.from(token ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const answer = (socket: Socket<Client>, status: string, body: object) => {
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  };

  const joinDocker = (socket: Socket<Client>, first: Buffer) => {
    const join = new SocketJoin(socket as Socket<unknown>);
    socket.data.join = join;
    join.connect({ unix: options.dockerSocket }, first, {
      failed: () => answer(socket, '502 Bad Gateway', { message: 'the Docker socket does not answer' }),
    });
  };

  return Bun.listen<Client>({
    allowHalfOpen: true,
    hostname: options.host,
    port: options.port,
    ...(options.tls ? { tls: options.tls } : {}),
    socket: {
      open(socket) {
        socket.data = { head: Buffer.alloc(0) };
      },
      data(socket, bytes) {
        const client = socket.data;
        if (client.join) {
          client.join.fromClient(bytes);
          return;
        }
        client.head = Buffer.concat([client.head, bytes]);
        const end = client.head.indexOf(HEAD_END);
        if (end < 0) {
          if (client.head.length > MAX_HEAD_BYTES)
            answer(socket, '431 Request Header Fields Too Large', { message: 'request head too large' });
          return;
        }
        const head = client.head.subarray(0, end).toString('latin1');
        const [requestLine = '', ...lines] = head.split('\r\n');
        const target = new URL(requestLine.split(' ')[1] ?? '/', 'http://agent');
        if (target.pathname === '/_hawser/health') return answer(socket, '200 OK', { status: 'healthy' });
        const header =
          lines.find((line) => /^x-hawser-token:/i.test(line))?.replace(/^[^:]+:\s*/, '') ?? null;
        if (!authorised(header ?? target.searchParams.get('token'))) {
          options.logger.warn('refused a request without the right token', { address: socket.remoteAddress });
          return answer(socket, '401 Unauthorized', {
            message: 'Unauthorized: send the agent token in X-Hawser-Token',
          });
        }
        if (target.pathname === '/_hawser/info') {
          return answer(socket, '200 OK', {
            agentId: hostname(),
            agentName: hostname(),
            hawserVersion: `windflow ${VERSION}`,
            mode: 'standard',
          });
        }
        const rest = client.head;
        client.head = Buffer.alloc(0);
        joinDocker(socket, rest);
      },
      drain(socket) {
        socket.data.join?.clientDrained();
      },
      end(socket) {
        socket.data?.join?.clientEnded();
      },
      close(socket) {
        socket.data?.join?.clientClosed();
      },
      error(socket) {
        socket.data?.join?.clientClosed();
      },
    },
  });
}
