// Upgraded ("hijacked") connections for exec start and attach: the daemon answers the HTTP
// request with 101 (or 200 on old daemons) and the socket then carries the raw stream both
// ways. fetch cannot hand over the socket, so the request is written by hand on a Bun socket.
import type { Socket } from 'bun';
import { type DockerEndpoint, endpointHeaders, type HttpEndpoint, tlsOptions } from './endpoint.ts';
import { apiError, buildUrl, type QueryValue, timeoutError, unreachableError } from './transport.ts';

export interface HijackedConnection {
  /** Bytes from the daemon: framed (see demuxDockerStream) unless the exec or container has a TTY. */
  output: ReadableStream<Uint8Array>;
  /** Resolves once the socket took all of `data`, waiting for it to drain when it is full. */
  write(data: Uint8Array | string): Promise<void>;
  /** Half-closes: the process reads end of input, output keeps coming. */
  closeWrite(): void;
  /** Closes the connection at once; `output` ends. */
  close(): void;
}

export interface HijackRequest {
  method: string;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Aborting it before the upgrade rejects; after it, closes the connection. */
  signal?: AbortSignal;
  /** Bounds the wait for the upgrade; the upgraded connection has no deadline. */
  timeoutMs: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
// How much output may wait unread before the socket stops reading from the daemon.
const OUTPUT_BUFFER_BYTES = 1 << 20;

export function hijack(target: DockerEndpoint, request: HijackRequest): Promise<HijackedConnection> {
  if (target.kind === 'edge') throw new Error('an edge endpoint is reached through its agent, not a socket');
  const endpoint: HttpEndpoint = target;
  const tls = tlsOptions(endpoint);
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined;
    let head = Buffer.alloc(0);
    let upgraded = false;
    let settled = false;
    let closed = false;
    let output!: ReadableStreamDefaultController<Uint8Array>;
    let drainWaiters: (() => void)[] = [];

    const outputStream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          output = controller;
        },
        pull: () => {
          socket?.resume();
        },
        cancel: () => {
          closed = true;
          socket?.terminate();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: OUTPUT_BUFFER_BYTES }),
    );

    const connection: HijackedConnection = {
      output: outputStream,
      write: async (data) => {
        let bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        while (bytes.length > 0) {
          const written = closed || !socket ? -1 : socket.write(bytes);
          if (written < 0) throw new Error('the hijacked connection is closed');
          bytes = bytes.subarray(written);
          if (bytes.length > 0) await new Promise<void>((resume) => drainWaiters.push(resume));
        }
      },
      closeWrite: () => socket?.shutdown(),
      close: () => socket?.terminate(),
    };

    const timer = setTimeout(
      () => fail(timeoutError(endpoint, request.method, request.path)),
      request.timeoutMs,
    );
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.terminate();
      reject(error);
    };

    const endOutput = (error?: unknown) => {
      if (closed) return;
      closed = true;
      if (error === undefined) output.close();
      else output.error(error);
    };

    const onAbort = () => {
      if (!upgraded) return fail(request.signal?.reason);
      endOutput(request.signal?.reason);
      socket?.terminate();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();

    /** Settles once the answer's head is in, and for an error its body too (or the connection ended). */
    const readHead = (connectionEnded = false) => {
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      const [statusLine = '', ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      // Bytes past the header block already belong to the stream.
      const rest = head.subarray(end + HEADER_END.length);
      if (status === 101 || status === 200) {
        upgraded = true;
        settled = true;
        clearTimeout(timer);
        if (rest.length > 0) output.enqueue(new Uint8Array(rest));
        resolve(connection);
        return;
      }
      const contentLength = headerLines.find((line) => /^content-length:/i.test(line))?.split(':')[1];
      if (rest.length < Number(contentLength ?? 0) && !connectionEnded) return;
      fail(apiError(status, rest.toString('utf8')));
    };

    const handlers = {
      open(opened: Socket) {
        socket = opened;
        if (settled) opened.terminate();
        else if (!tls) opened.write(encodeRequest(endpoint, request));
      },
      handshake(opened: Socket, verified: boolean, verifyError: Error | null) {
        if (settled) return;
        if (verified) opened.write(encodeRequest(endpoint, request));
        else fail(unreachableError(endpoint, verifyError ?? 'the server certificate did not verify'));
      },
      data(_: Socket, chunk: Buffer) {
        if (!upgraded) {
          head = Buffer.concat([head, chunk]);
          readHead();
          return;
        }
        if (closed) return;
        output.enqueue(new Uint8Array(chunk));
        if ((output.desiredSize ?? 1) <= 0) socket?.pause();
      },
      drain() {
        const waiting = drainWaiters;
        drainWaiters = [];
        for (const resume of waiting) resume();
      },
      error(_: Socket, error: Error) {
        if (upgraded) endOutput(error);
        else fail(unreachableError(endpoint, error));
      },
      close(_: Socket, error?: Error) {
        request.signal?.removeEventListener('abort', onAbort);
        if (!upgraded) readHead(true);
        fail(unreachableError(endpoint, error ?? 'the daemon closed the connection before answering'));
        endOutput(error);
        handlers.drain();
      },
    };

    try {
      const connecting =
        endpoint.kind === 'unix'
          ? Bun.connect({ unix: endpoint.socketPath, socket: handlers })
          : Bun.connect({
              hostname: endpoint.host,
              port: endpoint.port,
              tls: tls ? { ...tls, serverName: endpoint.host } : undefined,
              socket: handlers,
            });
      connecting.catch((error: unknown) => fail(unreachableError(endpoint, error)));
    } catch (error) {
      // Bun throws at once, rather than rejecting, on TLS material it cannot load.
      fail(unreachableError(endpoint, error));
    }
  });
}

function encodeRequest(endpoint: HttpEndpoint, request: HijackRequest): string {
  const url = new URL(buildUrl(endpoint, request.path, request.query));
  const body = request.body === undefined ? '' : JSON.stringify(request.body);
  return [
    `${request.method} ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: Upgrade',
    'Upgrade: tcp',
    'Content-Type: application/json',
    ...Object.entries(endpointHeaders(endpoint)).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
