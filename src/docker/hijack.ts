// Upgraded ("hijacked") connections for exec start and attach: the daemon answers the HTTP
// request with 101 and the socket then carries the raw stream both ways. fetch cannot do this,
// so the request is written by hand on a Bun socket.
import type { Socket as BunSocket } from 'bun';
import { type DockerEndpoint, describeEndpoint } from './endpoint.ts';
import { DockerApiError, DockerTimeoutError, DockerUnreachableError } from './errors.ts';
import { buildUrl, type RequestOptions } from './transport.ts';

export interface HijackedConnection {
  /** Bytes from the container: framed (see demuxDockerStream) unless the exec or container has a TTY. */
  output: ReadableStream<Uint8Array>;
  write(data: Uint8Array | string): Promise<void>;
  /** Half-closes: the process sees end of input. */
  closeWrite(): void;
  close(): void;
}

const HEADER_END = '\r\n\r\n';

type Socket = BunSocket<{ onDrain?: () => void }>;

export function hijack(
  endpoint: DockerEndpoint,
  method: string,
  path: string,
  options: RequestOptions & { timeoutMs: number },
): Promise<HijackedConnection> {
  const url = new URL(buildUrl(endpoint, path, options.query));
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const request = [
    `${method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${endpoint.kind === 'unix' ? 'docker' : url.host}`,
    'Connection: Upgrade',
    'Upgrade: tcp',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    HEADER_END.slice(2),
  ].join('\r\n');

  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    let upgraded = false;
    let output!: ReadableStreamDefaultController<Uint8Array>;
    const outputStream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        output = controller;
      },
      cancel: () => {
        socketRef?.end();
      },
    });
    let socketRef: Socket | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socketRef?.end();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new DockerTimeoutError(
            `Docker at ${describeEndpoint(endpoint)} did not answer ${method} ${path} in time`,
          ),
        ),
      options.timeoutMs,
    );
    options.signal?.addEventListener(
      'abort',
      () => (upgraded ? socketRef?.end() : fail(new DOMException('aborted', 'AbortError'))),
      {
        once: true,
      },
    );

    const onHead = (socket: Socket) => {
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      const [statusLine = '', ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const rest = head.subarray(end + HEADER_END.length);
      if (status !== 101 && status !== 200) {
        const length = Number(/^content-length:\s*(\d+)/im.exec(headerLines.join('\n'))?.[1] ?? 0);
        if (rest.length < length) return;
        fail(new DockerApiError(status, errorMessage(rest) || statusLine));
        return;
      }
      upgraded = true;
      clearTimeout(timer);
      if (rest.length > 0) output.enqueue(new Uint8Array(rest));
      resolve({
        output: outputStream,
        write: (data) => writeAll(socket, typeof data === 'string' ? new TextEncoder().encode(data) : data),
        closeWrite: () => socket.shutdown(),
        close: () => socket.end(),
      });
    };

    const handlers = {
      data(socket: Socket, chunk: Buffer) {
        if (upgraded) {
          output.enqueue(new Uint8Array(chunk));
          return;
        }
        head = Buffer.concat([head, chunk]);
        onHead(socket);
      },
      close() {
        if (upgraded) {
          try {
            output.close();
          } catch {
            // Already closed by a cancel.
          }
        } else if (head.length > 0) {
          fail(
            new DockerApiError(502, `Docker closed the connection: ${head.toString('latin1').slice(0, 200)}`),
          );
        }
      },
      error(_socket: Socket, error: Error) {
        if (upgraded) output.error(error);
        else fail(unreachable(endpoint, error));
      },
      drain(socket: Socket) {
        socket.data.onDrain?.();
      },
    };

    const connect =
      endpoint.kind === 'unix'
        ? Bun.connect({ unix: endpoint.socketPath, data: {}, socket: handlers })
        : Bun.connect({
            hostname: endpoint.host,
            port: endpoint.port,
            data: {},
            tls:
              endpoint.kind === 'tcp-tls'
                ? { ...endpoint.tls, rejectUnauthorized: true, serverName: endpoint.host }
                : undefined,
            socket: handlers,
          });
    connect.then(
      (socket) => {
        socketRef = socket;
        socket.write(request + body);
      },
      (error: Error) => fail(unreachable(endpoint, error)),
    );
  });
}

/** Writes everything, waiting for the socket to drain when its buffer is full. */
async function writeAll(socket: Socket, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const written = socket.write(data.subarray(offset));
    if (written < 0) throw new Error('the connection is closed');
    offset += written;
    if (offset < data.length) {
      await new Promise<void>((resume) => {
        socket.data.onDrain = resume;
      });
    }
  }
}

function errorMessage(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

function unreachable(endpoint: DockerEndpoint, error: Error): DockerUnreachableError {
  return new DockerUnreachableError(
    `Cannot connect to Docker at ${describeEndpoint(endpoint)}: ${error.message}`,
  );
}
