// One connected edge agent, seen by the server as a Docker transport: each call becomes a
// `request` over the agent's WebSocket and its answer a `response`, a run of `stream` frames or
// an exec session. Everything is driven by the agent's frames; the only timers are the
// deadlines of calls waiting for an answer. When the link drops every open call fails at once.
import { DockerApiError, DockerTimeoutError, DockerUnreachableError } from '../docker/errors.ts';
import type { HijackedConnection, HijackRequest } from '../docker/hijack.ts';
import {
  answerBody,
  apiError,
  type DockerTransport,
  type Exchange,
  encodeBody,
  type ForwardRequest,
  pathWithQuery,
} from '../docker/transport.ts';
import type { AgentFacts } from '../store/agents.ts';
import {
  decodeDataFrame,
  type Extra,
  encodeDataFrame,
  fromBase64,
  type Message,
  type ResponseMessage,
  toBase64,
} from './protocol.ts';

/** The WebSocket under a session: what the session needs of it. */
export interface AgentLink {
  send(frame: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

interface OpenCall {
  /** A JSON message addressed to this call. */
  onMessage(message: Message): void;
  /** Bytes from a binary data frame. */
  onData(data: Uint8Array): void;
  fail(error: Error): void;
}

/** A whole answer, body and all. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export const NO_UPLOADS_MESSAGE =
  'The Hawser agent protocol cannot carry file uploads (tar bodies): use Windflow’s own agent (windflow agent) on this host for uploads, image loads and builds';
const NO_ATTACH_MESSAGE =
  'Attaching to a container’s main process is not possible through a Hawser edge agent: open a terminal (exec) instead, or use Windflow’s own agent';
const NO_STDIN_MESSAGE =
  'A Hawser edge agent runs commands without input: use Windflow’s own agent to send input to a command';

const EXEC_START = /^\/v[\d.]+\/exec\/([^/]+)\/start$/;
const EXEC_RESIZE = /^\/v[\d.]+\/exec\/([^/]+)\/resize$/;

export class EdgeSession implements DockerTransport {
  private readonly calls = new Map<string, OpenCall>();
  /** Exec ids Windflow created, run through the agent's own exec session. */
  private readonly execAliases = new Map<string, AgentTerminal>();
  private closedError: Error | undefined;
  lastFrameAt = Date.now();
  latencyMs: number | null = null;
  private pingSentAt = 0;
  metrics: Record<string, unknown> | undefined;

  constructor(
    readonly environmentId: number,
    readonly facts: AgentFacts,
    readonly extras: ReadonlySet<Extra>,
    private readonly link: AgentLink,
  ) {}

  /** Calls waiting for an answer, streams and terminals: for leak checks. */
  get openCalls(): number {
    return this.calls.size;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  // --- frames from the agent

  handleText(message: Message): void {
    this.lastFrameAt = Date.now();
    switch (message.type) {
      case 'ping':
        this.send({ type: 'pong', timestamp: Math.floor(Date.now() / 1000) });
        return;
      case 'pong':
        if (this.pingSentAt) this.latencyMs = Date.now() - this.pingSentAt;
        this.pingSentAt = 0;
        return;
      case 'metrics':
        this.metrics = message.metrics as Record<string, unknown> | undefined;
        return;
      case 'container_event':
        return;
    }
    const id = message.requestId ?? message.execId;
    if (typeof id === 'string') this.calls.get(id)?.onMessage(message);
  }

  handleBinary(frame: Uint8Array): void {
    this.lastFrameAt = Date.now();
    const decoded = decodeDataFrame(frame);
    if (decoded) this.calls.get(decoded.id)?.onData(decoded.data);
  }

  /** Sends a ping; the pong's arrival gives the latency. */
  ping(): void {
    this.pingSentAt = Date.now();
    this.send({ type: 'ping', timestamp: Math.floor(this.pingSentAt / 1000) });
  }

  /** The link is gone: every open call fails with `reason`. */
  end(reason: string): void {
    if (this.closedError) return;
    this.closedError = new DockerUnreachableError(
      `The edge agent ${this.facts.agentName || this.facts.agentId} disconnected: ${reason}`,
    );
    const open = [...this.calls.values()];
    this.calls.clear();
    this.execAliases.clear();
    for (const call of open) call.fail(this.closedError);
  }

  // --- DockerTransport

  async requestJson<T>(method: string, path: string, options: Exchange): Promise<T> {
    const resize = EXEC_RESIZE.exec(path);
    const alias = resize && this.execAliases.get(decodeURIComponent(resize[1] as string));
    if (alias) {
      alias.resize(Number(options.query?.w), Number(options.query?.h));
      return undefined as T;
    }
    const answer = await this.exchange(method, pathWithQuery(path, options.query), options);
    throwIfRefused(answer);
    return answerBody<T>(new TextDecoder().decode(answer.body), contentType(answer));
  }

  async openStream(method: string, path: string, options: Exchange): Promise<ReadableStream<Uint8Array>> {
    const { stream } = await this.startStream(method, pathWithQuery(path, options.query), options);
    return stream;
  }

  async hijack(request: HijackRequest): Promise<HijackedConnection> {
    const path = pathWithQuery(request.path, request.query);
    if (this.extras.has('tunnel')) return this.openTunnel(request, path);
    const execId = EXEC_START.exec(request.path)?.[1];
    if (!execId) throw new DockerApiError(501, NO_ATTACH_MESSAGE);
    const tty = Boolean((request.body as { Tty?: boolean } | undefined)?.Tty);
    return tty
      ? this.execThroughAgent(decodeURIComponent(execId), request)
      : this.execCollected(path, request);
  }

  async forward(request: ForwardRequest): Promise<Response> {
    const body = request.body === undefined ? undefined : await bytesOf(request.body);
    const jsonBody = body && body.length > 0 && (request.headers['content-type'] ?? '').includes('json');
    const exchange: Exchange = {
      timeoutMs: 30_000,
      signal: request.signal,
      headers: request.headers,
      body:
        body && body.length > 0 ? (jsonBody ? JSON.parse(new TextDecoder().decode(body)) : body) : undefined,
    };
    if (!this.extras.has('stream-status') && !streamsOnHawser(request.method, request.path)) {
      const answer = await this.exchange(request.method, request.path, exchange);
      return new Response(answer.status === 204 || answer.status === 304 ? null : answer.body, {
        status: answer.status,
        headers: answer.headers,
      });
    }
    const { stream, status, headers } = await this.startStream(request.method, request.path, exchange, {
      passErrors: true,
    });
    return new Response(stream, {
      status,
      headers: headers ?? { 'content-type': guessStreamType(request.path) },
    });
  }

  close(): void {
    // The session belongs to its WebSocket: clients come and go, the link stays.
  }

  // --- plumbing

  private send(message: object): void {
    if (this.closedError) throw this.closedError;
    this.link.send(JSON.stringify(message));
  }

  private sendData(id: string, data: Uint8Array): void {
    if (this.closedError) throw this.closedError;
    if (this.extras.has('binary-frames')) this.link.send(encodeDataFrame(id, data));
    else this.send({ type: 'stream', requestId: id, data: toBase64(data) });
  }

  /** The request message for a call; bodies the protocol cannot carry are refused here. */
  private requestMessage(
    method: string,
    path: string,
    options: Exchange,
    streaming: boolean,
    requestId: string,
  ) {
    const { body, contentType } = encodeBody(options.body);
    // The body's own type wins over a caller's (passed-through) one, whatever its spelling.
    const headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(
        ([name]) => !contentType || name.toLowerCase() !== 'content-type',
      ),
    );
    if (contentType) headers['Content-Type'] = contentType;
    const message: Record<string, unknown> = { type: 'request', requestId, method, path, headers, streaming };
    if (options.body === undefined) return message;
    if (contentType === 'application/json' && !(streaming && !this.extras.has('request-body'))) {
      message.body = options.body;
      return message;
    }
    if (!this.extras.has('request-body')) throw new DockerApiError(501, NO_UPLOADS_MESSAGE);
    return { ...message, bodyPending: body };
  }

  /** Registers a call, sends its request and settles with the whole answer. */
  private async exchange(method: string, path: string, options: Exchange): Promise<Answer> {
    const requestId = crypto.randomUUID();
    const message = await withBody(this.requestMessage(method, path, options, false, requestId));
    return this.await<Answer>(
      requestId,
      options,
      `${method} ${path}`,
      (settle) => ({
        onMessage: (reply) => {
          if (reply.type === 'response') settle.resolve(answerOf(reply as unknown as ResponseMessage));
          else if (reply.type === 'error') settle.reject(agentError(reply));
        },
        onData: () => {},
        fail: settle.reject,
      }),
      () => this.send(message),
    );
  }

  /**
   * Starts a streaming request. With stream-status the stream is handed over once the agent
   * says the daemon accepted it (a refusal throws, or comes back whole with `passErrors`);
   * a Hawser agent sends no status, so its stream is handed over at once.
   */
  private async startStream(
    method: string,
    path: string,
    options: Exchange,
    { passErrors = false } = {},
  ): Promise<{ stream: ReadableStream<Uint8Array>; status: number; headers?: Record<string, string> }> {
    const requestId = crypto.randomUUID();
    const message = await withBody(this.requestMessage(method, path, options, true, requestId));
    let output!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    const finish = (error?: Error) => {
      if (ended) return;
      ended = true;
      this.calls.delete(requestId);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) output.error(error);
      else output.close();
    };
    const cancelRemote = () => {
      if (!this.closedError) this.send({ type: 'stream_end', requestId });
    };
    const onAbort = () => {
      cancelRemote();
      finish(options.signal?.reason);
    };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        output = controller;
      },
      cancel: () => {
        if (ended) return;
        ended = true;
        this.calls.delete(requestId);
        options.signal?.removeEventListener('abort', onAbort);
        cancelRemote();
      },
    });
    const withStatus = this.extras.has('stream-status');
    const head = Promise.withResolvers<{
      status: number;
      headers?: Record<string, string>;
      refused?: Answer;
    }>();
    let timer: Timer | undefined;
    if (withStatus) {
      timer = setTimeout(() => {
        cancelRemote();
        const error = new DockerTimeoutError(`The edge agent did not answer ${method} ${path} in time`);
        head.reject(error);
        finish(error);
      }, options.timeoutMs);
    } else head.resolve({ status: 200 });
    this.calls.set(
      requestId,
      streamedCall({ output, ended: () => ended, finish, opening: head, timer }, (reply) => {
        if (reply.type === 'stream_start') {
          clearTimeout(timer);
          head.resolve({
            status: Number(reply.statusCode),
            headers: reply.headers as Record<string, string>,
          });
        } else if (reply.type === 'response') {
          clearTimeout(timer);
          head.resolve({
            status: Number(reply.statusCode),
            refused: answerOf(reply as unknown as ResponseMessage),
          });
          finish();
        } else return false;
        return true;
      }),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.send(message);
    } catch (error) {
      this.calls.delete(requestId);
      throw error;
    }
    const { status, headers, refused } = await head.promise;
    if (refused) {
      if (passErrors) return { stream: new Blob([refused.body]).stream(), status, headers: refused.headers };
      throwIfRefused(refused);
    }
    return { stream, status, headers };
  }

  /** A call that settles once: deadline, caller's abort and the link's end all handled. */
  private await<T>(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal },
    what: string,
    handlers: (settle: { resolve: (value: T) => void; reject: (error: Error) => void }) => OpenCall,
    start: () => void,
  ): Promise<T> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const done = () => {
      clearTimeout(timer);
      this.calls.delete(id);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const settle = {
      resolve: (value: T) => {
        done();
        resolve(value);
      },
      reject: (error: Error) => {
        done();
        reject(error);
      },
    };
    const timer = setTimeout(
      () => settle.reject(new DockerTimeoutError(`The edge agent did not answer ${what} in time`)),
      options.timeoutMs,
    );
    const onAbort = () => settle.reject(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.calls.set(id, handlers(settle));
    try {
      start();
    } catch (error) {
      settle.reject(error as Error);
    }
    return promise;
  }

  /** Hawser, no TTY: the exec runs to its end and its framed output comes back whole. */
  private async execCollected(path: string, request: HijackRequest): Promise<HijackedConnection> {
    const answer = await this.exchange(request.method, path, {
      body: request.body,
      signal: request.signal,
      timeoutMs: Math.max(request.timeoutMs, 30_000),
    });
    throwIfRefused(answer);
    return {
      output: new Blob([answer.body]).stream(),
      write: async () => {
        throw new Error(NO_STDIN_MESSAGE);
      },
      closeWrite: () => {},
      close: () => {},
    };
  }

  /**
   * Hawser, with a TTY: the agent makes its own exec of the same program (it takes one word, no
   * arguments) and carries input, output and resizes as exec_* messages.
   */
  private async execThroughAgent(dockerExecId: string, request: HijackRequest): Promise<HijackedConnection> {
    const versionPrefix = request.path.slice(0, request.path.indexOf('/exec/'));
    const exec = await this.requestJson<{
      ContainerID: string;
      ProcessConfig: { entrypoint: string; arguments: string[] | null; user?: string };
    }>('GET', `${versionPrefix}/exec/${encodeURIComponent(dockerExecId)}/json`, {
      timeoutMs: request.timeoutMs,
      signal: request.signal,
    });
    if ((exec.ProcessConfig.arguments ?? []).length > 0) {
      throw new DockerApiError(
        501,
        'Through a Hawser edge agent a terminal runs one program without arguments (e.g. /bin/sh)',
      );
    }
    const execId = crypto.randomUUID();
    let output!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    const finish = (error?: Error) => {
      if (ended) return;
      ended = true;
      this.calls.delete(execId);
      this.execAliases.delete(dockerExecId);
      if (error) output.error(error);
      else output.close();
    };
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        output = controller;
      },
      cancel: () => {
        if (!ended && !this.closedError) this.send({ type: 'exec_end', execId, reason: 'cancelled' });
        finish();
      },
    });
    const ready = Promise.withResolvers<void>();
    const terminal = new AgentTerminal(execId, (message) => this.send(message));
    const timer = setTimeout(() => {
      const error = new DockerTimeoutError('The edge agent did not start the terminal in time');
      ready.reject(error);
      finish(error);
    }, request.timeoutMs);
    this.calls.set(execId, {
      onMessage: (reply) => {
        if (reply.type === 'exec_ready') {
          clearTimeout(timer);
          ready.resolve();
        } else if (reply.type === 'exec_output') {
          terminal.outputSeen();
          if (!ended) output.enqueue(fromBase64(reply.data));
        } else if (reply.type === 'exec_end') {
          finish();
        } else if (reply.type === 'error') {
          clearTimeout(timer);
          const error = agentError(reply);
          ready.reject(error);
          finish(error);
        }
      },
      onData: () => {},
      fail: (error) => {
        clearTimeout(timer);
        ready.reject(error);
        finish(error);
      },
    });
    this.execAliases.set(dockerExecId, terminal);
    this.send({
      type: 'exec_start',
      execId,
      containerId: exec.ContainerID,
      cmd: exec.ProcessConfig.entrypoint,
      user: exec.ProcessConfig.user ?? '',
      // No size: the agent would apply it after exec_ready and undo the caller's first resize.
      cols: 0,
      rows: 0,
    });
    await ready.promise;
    return {
      output: stream,
      write: async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        if (ended) throw new Error('the terminal has ended');
        this.send({ type: 'exec_input', execId, data: toBase64(bytes) });
      },
      closeWrite: () => {},
      close: () => {
        if (!ended && !this.closedError) this.send({ type: 'exec_end', execId, reason: 'closed' });
        finish();
      },
    };
  }

  /** Windflow's agent: the hijacked request runs on its host; bytes go both ways as frames. */
  private async openTunnel(request: HijackRequest, path: string): Promise<HijackedConnection> {
    const requestId = crypto.randomUUID();
    let output!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    const finish = (error?: Error) => {
      if (ended) return;
      ended = true;
      this.calls.delete(requestId);
      request.signal?.removeEventListener('abort', onAbort);
      if (error) output.error(error);
      else output.close();
    };
    const close = () => {
      if (!ended && !this.closedError) this.send({ type: 'stream_end', requestId });
      finish();
    };
    const onAbort = () => close();
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        output = controller;
      },
      cancel: close,
    });
    const opened = Promise.withResolvers<void>();
    const timer = setTimeout(() => {
      const error = new DockerTimeoutError(`The edge agent did not answer ${request.method} ${path} in time`);
      opened.reject(error);
      close();
    }, request.timeoutMs);
    this.calls.set(
      requestId,
      streamedCall({ output, ended: () => ended, finish, opening: opened, timer }, (reply) => {
        if (reply.type === 'tunnel_ready') {
          clearTimeout(timer);
          opened.resolve();
        } else if (reply.type === 'response') {
          clearTimeout(timer);
          const answer = answerOf(reply as unknown as ResponseMessage);
          opened.reject(apiError(answer.status, new TextDecoder().decode(answer.body)));
          finish();
        } else return false;
        return true;
      }),
    );
    request.signal?.addEventListener('abort', onAbort, { once: true });
    this.send({ type: 'tunnel_open', requestId, method: request.method, path, body: request.body });
    await opened.promise;
    return {
      output: stream,
      write: async (data) => {
        if (ended) throw new Error('the hijacked connection is closed');
        this.sendData(requestId, typeof data === 'string' ? new TextEncoder().encode(data) : data);
      },
      closeWrite: () => {
        if (!ended && !this.closedError) this.send({ type: 'tunnel_close_write', requestId });
      },
      close,
    };
  }
}

/**
 * A terminal run by a Hawser agent. The agent may say exec_ready before it can take a resize
 * (0.2.14 drops one that comes too early), so sizes wait for its first output.
 */
class AgentTerminal {
  private started = false;
  private size: { cols: number; rows: number } | undefined;

  constructor(
    readonly execId: string,
    private readonly send: (message: object) => void,
  ) {}

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.started) this.send({ type: 'exec_resize', execId: this.execId, cols, rows });
  }

  outputSeen(): void {
    if (this.started) return;
    this.started = true;
    if (this.size) this.send({ type: 'exec_resize', execId: this.execId, ...this.size });
  }
}

/**
 * The replies a streamed call (a stream or a tunnel) takes alike once `opens` has looked at a
 * reply and passed (false): data as it comes, its end, an agent's error, the link's end.
 */
function streamedCall(
  call: {
    output: ReadableStreamDefaultController<Uint8Array>;
    ended(): boolean;
    finish(error?: Error): void;
    /** What the caller awaits until the call opens, and the deadline on it. */
    opening: { reject(error: Error): void };
    timer?: Timer;
  },
  opens: (reply: Message) => boolean,
): OpenCall {
  const enqueue = (data: Uint8Array) => {
    if (!call.ended()) call.output.enqueue(data);
  };
  const failed = (error: Error) => {
    clearTimeout(call.timer);
    call.opening.reject(error);
    call.finish(error);
  };
  return {
    onMessage: (reply) => {
      if (opens(reply)) return;
      if (reply.type === 'stream') enqueue(fromBase64(reply.data));
      else if (reply.type === 'stream_end') call.finish();
      else if (reply.type === 'error') failed(agentError(reply));
    },
    onData: enqueue,
    fail: failed,
  };
}

function answerOf(reply: ResponseMessage): Answer {
  const body =
    reply.isBinary === true ? fromBase64(reply.body) : new TextEncoder().encode(String(reply.body ?? ''));
  return { status: Number(reply.statusCode), headers: reply.headers ?? {}, body };
}

function contentType(answer: Answer): string | undefined {
  for (const [name, value] of Object.entries(answer.headers))
    if (name.toLowerCase() === 'content-type') return value;
  return undefined;
}

function throwIfRefused(answer: Answer): void {
  if (answer.status < 400) return;
  throw apiError(answer.status, new TextDecoder().decode(answer.body));
}

/** The agent's `error` message: it could not reach or read its daemon. */
function agentError(reply: Message): Error {
  const message = typeof reply.error === 'string' ? reply.error : 'the agent reported an error';
  const code = typeof reply.code === 'string' ? reply.code : 'AGENT_ERROR';
  if (code === 'HTTP_ERROR' && typeof reply.statusCode === 'number')
    return new DockerApiError(reply.statusCode, message);
  return new DockerUnreachableError(`The edge agent could not do it (${code}): ${message}`);
}

/** The body, read ahead of sending when the protocol carries it as base64. */
async function withBody(message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { bodyPending, ...rest } = message;
  if (bodyPending === undefined) return rest;
  return {
    ...rest,
    bodyBase64: toBase64(await bytesOf(bodyPending as ConstructorParameters<typeof Response>[0])),
  };
}

async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  return new Uint8Array(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

/**
 * Engine API calls whose answers run on (follow, events, stats, pulls): a Hawser agent must be
 * asked for them as streams, since its plain answers wait for the end of the body.
 */
function streamsOnHawser(method: string, path: string): boolean {
  const [route = '', query = ''] = path.split('?');
  const bare = route.replace(/^\/v[\d.]+/, '');
  const params = new URLSearchParams(query);
  const on = (name: string) => ['1', 'true'].includes(params.get(name) ?? '');
  if (bare === '/events') return true;
  if (/^\/containers\/[^/]+\/logs$/.test(bare)) return on('follow');
  if (method === 'POST' && /^\/containers\/[^/]+\/wait$/.test(bare)) return true;
  if (/^\/containers\/[^/]+\/stats$/.test(bare)) return !['0', 'false'].includes(params.get('stream') ?? '');
  if (method === 'POST' && (bare === '/images/create' || /^\/images\/.+\/push$/.test(bare))) return true;
  return false;
}

function guessStreamType(path: string): string {
  return /\/(logs|attach)\b/.test(path) ? 'application/vnd.docker.raw-stream' : 'application/json';
}
