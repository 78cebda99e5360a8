// `windflow agent --server wss://…/api/hawser/connect --token …`: this host's Docker, reached
// through a WebSocket that the agent dials (for hosts behind NAT). It speaks the Hawser protocol
// and offers Windflow's extras in its hello; what the server grants in its welcome is used.
// It reconnects with jittered exponential backoff for as long as it runs.
import { hostname } from 'node:os';
import type { Logger } from '../daemon/logger.ts';
import { VERSION } from '../daemon/version.ts';
import { DockerApiError } from '../docker/errors.ts';
import { type HijackedConnection, hijack } from '../docker/hijack.ts';
import {
  decodeDataFrame,
  type Extra,
  encodeDataFrame,
  fromBase64,
  type Message,
  PROTOCOL_VERSION,
  parseMessage,
  toBase64,
  WINDFLOW_EXTRAS,
} from './protocol.ts';

export interface EdgeAgentOptions {
  serverUrl: string;
  token: string;
  name: string;
  dockerSocket: string;
  logger: Logger;
  /** Aborting it ends the agent. */
  signal: AbortSignal;
  heartbeatMs?: number;
  /** Backoff bounds between connection attempts. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

const MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

/** Runs until the signal aborts. */
export async function runEdgeAgent(options: EdgeAgentOptions): Promise<void> {
  const { logger, signal } = options;
  const minDelay = options.minDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  let delay = minDelay;
  while (!signal.aborted) {
    const welcomed = await connectOnce(options);
    if (signal.aborted) break;
    if (welcomed) delay = minDelay;
    // Full jitter: a fleet cut off at once does not come back at once.
    const wait = Math.round(delay / 2 + Math.random() * (delay / 2));
    logger.info('reconnecting', { inMs: wait });
    await sleep(wait, signal);
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** One connection, from dial to close; true when the server welcomed the agent. */
function connectOnce(options: EdgeAgentOptions): Promise<boolean> {
  const { logger, signal } = options;
  return new Promise((resolve) => {
    let welcomed = false;
    let extras = new Set<Extra>();
    let lastFrame = Date.now();
    const open = new Map<string, { cancel(): void; data?(bytes: Uint8Array): void; closeWrite?(): void }>();
    const ws = new WebSocket(options.serverUrl);
    ws.binaryType = 'arraybuffer';
    const heartbeatMs = options.heartbeatMs ?? 30_000;
    const heartbeat = setInterval(() => {
      if (Date.now() - lastFrame > Math.max(2 * heartbeatMs, 60_000)) ws.close(4000, 'server silent');
      else send({ type: 'ping', timestamp: Math.floor(Date.now() / 1000) });
    }, heartbeatMs);
    const onAbort = () => ws.close(1001, 'agent stopping');
    signal.addEventListener('abort', onAbort, { once: true });

    function send(message: object): void {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    }
    function sendData(id: string, data: Uint8Array): void {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (extras.has('binary-frames')) ws.send(encodeDataFrame(id, data));
      else ws.send(JSON.stringify({ type: 'stream', requestId: id, data: toBase64(data) }));
    }

    ws.onopen = async () => {
      const dockerVersion = await localVersion(options.dockerSocket);
      ws.send(
        JSON.stringify({
          type: 'hello',
          version: VERSION,
          protocol: PROTOCOL_VERSION,
          agentId: options.name,
          agentName: options.name,
          token: options.token,
          dockerVersion,
          hostname: hostname(),
          capabilities: ['exec', 'events'],
          extras: WINDFLOW_EXTRAS,
        }),
      );
    };
    ws.onmessage = (event) => {
      lastFrame = Date.now();
      if (typeof event.data !== 'string') {
        const frame = decodeDataFrame(new Uint8Array(event.data as ArrayBuffer));
        if (frame) open.get(frame.id)?.data?.(frame.data);
        return;
      }
      const message = parseMessage(event.data);
      if (!message) return;
      if (!welcomed) {
        if (message.type === 'welcome') {
          welcomed = true;
          extras = new Set((message.extras as Extra[] | undefined) ?? []);
          logger.info('connected', {
            server: options.serverUrl,
            environmentId: message.environmentId,
            extras: [...extras],
          });
        } else if (message.type === 'error') {
          logger.error('the server refused the agent', { reason: message.error });
        }
        return;
      }
      const id = String(message.requestId ?? '');
      switch (message.type) {
        case 'ping':
          send({ type: 'pong', timestamp: Math.floor(Date.now() / 1000) });
          return;
        case 'request':
          void handleRequest(message, options.dockerSocket, extras, { send, sendData, open });
          return;
        case 'tunnel_open':
          void handleTunnel(message, options.dockerSocket, { send, sendData, open });
          return;
        case 'tunnel_close_write':
          open.get(id)?.closeWrite?.();
          return;
        case 'stream':
          open.get(id)?.data?.(fromBase64(message.data));
          return;
        case 'stream_end':
          open.get(id)?.cancel();
          open.delete(id);
          return;
      }
    };
    ws.onclose = (event) => {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', onAbort);
      for (const call of open.values()) call.cancel();
      open.clear();
      if (welcomed) logger.warn('disconnected', { code: event.code, reason: event.reason });
      else
        logger.warn('could not connect', {
          server: options.serverUrl,
          code: event.code,
          reason: event.reason,
        });
      resolve(welcomed);
    };
    ws.onerror = () => {
      // onclose follows with the code.
    };
  });
}

interface Wire {
  send(message: object): void;
  sendData(id: string, data: Uint8Array): void;
  open: Map<string, { cancel(): void; data?(bytes: Uint8Array): void; closeWrite?(): void }>;
}

async function handleRequest(
  message: Message,
  socket: string,
  extras: Set<Extra>,
  wire: Wire,
): Promise<void> {
  const requestId = String(message.requestId);
  const abort = new AbortController();
  const streaming = message.streaming === true;
  if (streaming) wire.open.set(requestId, { cancel: () => abort.abort() });
  try {
    const response = await fetch(`http://docker${String(message.path)}`, {
      unix: socket,
      method: String(message.method),
      headers: (message.headers as Record<string, string> | undefined) ?? {},
      body: bodyOf(message),
      signal: abort.signal,
    } as RequestInit);
    const headers = Object.fromEntries(response.headers);
    if (!streaming || (extras.has('stream-status') && !response.ok)) {
      const body = new Uint8Array(await response.arrayBuffer()).subarray(0, MAX_RESPONSE_BYTES);
      wire.send({
        type: 'response',
        requestId,
        statusCode: response.status,
        headers,
        body: toBase64(body),
        isBinary: true,
      });
      return;
    }
    if (extras.has('stream-status'))
      wire.send({ type: 'stream_start', requestId, statusCode: response.status, headers });
    if (response.body) for await (const chunk of response.body) wire.sendData(requestId, chunk);
    wire.send({ type: 'stream_end', requestId, reason: 'completed' });
  } catch (error) {
    if (abort.signal.aborted) return;
    wire.send({ type: 'error', requestId, error: (error as Error).message, code: 'DOCKER_ERROR' });
    if (streaming) wire.send({ type: 'stream_end', requestId, reason: 'error' });
  } finally {
    wire.open.delete(requestId);
  }
}

async function handleTunnel(message: Message, socket: string, wire: Wire): Promise<void> {
  const requestId = String(message.requestId);
  const abort = new AbortController();
  let connection: HijackedConnection | undefined;
  const pending: Uint8Array[] = [];
  wire.open.set(requestId, {
    cancel: () => {
      abort.abort();
      connection?.close();
    },
    data: (bytes) => {
      if (connection) void connection.write(bytes).catch(() => connection?.close());
      else pending.push(bytes);
    },
    closeWrite: () => connection?.closeWrite(),
  });
  try {
    connection = await hijack(
      { kind: 'unix', socketPath: socket },
      {
        method: String(message.method),
        path: String(message.path),
        body: message.body,
        signal: abort.signal,
        timeoutMs: 30_000,
      },
    );
    for (const bytes of pending.splice(0)) await connection.write(bytes);
    wire.send({ type: 'tunnel_ready', requestId });
    for await (const chunk of connection.output) wire.sendData(requestId, chunk);
    wire.send({ type: 'stream_end', requestId, reason: 'completed' });
  } catch (error) {
    if (error instanceof DockerApiError) {
      wire.send({
        type: 'response',
        requestId,
        statusCode: error.status,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: error.message }),
      });
    } else if (!abort.signal.aborted) {
      wire.send({ type: 'error', requestId, error: (error as Error).message, code: 'DOCKER_ERROR' });
      wire.send({ type: 'stream_end', requestId, reason: 'error' });
    }
  } finally {
    wire.open.delete(requestId);
  }
}

function bodyOf(message: Message): Uint8Array | string | undefined {
  if (typeof message.bodyBase64 === 'string') return fromBase64(message.bodyBase64);
  if (message.body === undefined || message.body === null) return undefined;
  return JSON.stringify(message.body);
}

async function localVersion(socket: string): Promise<string> {
  try {
    const response = await fetch('http://docker/version', { unix: socket } as RequestInit);
    return ((await response.json()) as { Version?: string }).Version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
