// A client for one Docker daemon over Engine API v1.41+. It negotiates the API version once,
// keeps its connections alive, puts a deadline on every call and a cancel on every stream. How
// the daemon is reached (socket, TCP, TLS, an agent) is its transport's business alone.
import { chooseApiVersion } from './api-version.ts';
import type { StatsSample } from './container-stats.ts';
import { type DockerEndpoint, describeEndpoint } from './endpoint.ts';
import { engineKind } from './engine-kind.ts';
import { DockerApiError } from './errors.ts';
import type { HijackedConnection, HijackRequest } from './hijack.ts';
import { encodeRegistryAuth, type RegistryAuth, splitReference } from './image-reference.ts';
import { dockerEventOf, podmanEventFilters } from './podman.ts';
import { demuxDockerStream, jsonLines, type LogChunk, rawStream } from './streams.ts';
import {
  type CallOptions,
  type DockerTransport,
  type ForwardRequest,
  HttpTransport,
  notEngineError,
  type QueryValue,
  type RequestOptions,
} from './transport.ts';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  ExecCreateOptions,
  ExecInspect,
  ImageInspect,
  ImageSummary,
  InfoAnswer,
  NetworkSummary,
  PullProgress,
  VersionAnswer,
  VolumeSummary,
} from './types.ts';
import type { EngineKind } from './views.ts';

export { compareVersions, MAX_API_VERSION, MIN_API_VERSION } from './api-version.ts';
export type { HijackedConnection } from './hijack.ts';
export type { LogChunk } from './streams.ts';
export type { CallOptions, DockerTransport, ForwardRequest, RequestOptions } from './transport.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  timestamps?: boolean;
  tail?: number | 'all';
  /** Unix seconds. */
  since?: number;
  signal?: AbortSignal;
}

export interface EventOptions {
  /** Unix seconds: replay the events since then first. */
  since?: number;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

export interface RegistryOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export class DockerClient {
  private readonly http: DockerTransport;
  private readonly timeoutMs: number;
  private readonly closing = new AbortController();
  private negotiation: Promise<string> | undefined;
  private negotiatedVersion: string | undefined;
  private negotiatedKind: EngineKind = 'docker';

  /** `transport` is required for an edge endpoint (the agent's tunnel) and optional otherwise. */
  constructor(
    readonly endpoint: DockerEndpoint,
    options: { timeoutMs?: number; transport?: DockerTransport } = {},
  ) {
    if (!options.transport && endpoint.kind === 'edge')
      throw new Error('an edge endpoint needs the transport of its agent hub');
    this.http = options.transport ?? new HttpTransport(endpoint as Exclude<DockerEndpoint, { kind: 'edge' }>);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The negotiated API version, once `negotiate` has succeeded. */
  get apiVersion(): string | undefined {
    return this.negotiatedVersion;
  }

  /**
   * Asks the daemon once (GET /version, unversioned) and keeps the lower of its API version and
   * ours; a failure is not kept, the next call asks again. One caller's abort does not fail
   * the others waiting for the same answer.
   */
  negotiate(signal?: AbortSignal): Promise<string> {
    this.negotiation ??= this.http
      .requestJson<unknown>('GET', '/version', {
        timeoutMs: this.timeoutMs,
        signal: this.closing.signal,
      })
      .catch((error: unknown) => {
        // The Engine always answers /version: an error there is some other service's.
        if (error instanceof DockerApiError) throw notEngineError(this.endpoint, `HTTP ${error.status}`);
        throw error;
      })
      .then((version) => {
        if (!isVersionDocument(version)) throw notEngineError(this.endpoint, 'no version document');
        this.negotiatedVersion = chooseApiVersion(version);
        this.negotiatedKind = engineKind(version);
        return this.negotiatedVersion;
      })
      .catch((error: unknown) => {
        this.negotiation = undefined;
        throw error;
      });
    return untilAborted(this.negotiation, signal);
  }

  /** Docker or Podman, from the same /version answer the negotiation reads. */
  async engineKind(signal?: AbortSignal): Promise<EngineKind> {
    await this.negotiate(signal);
    return this.negotiatedKind;
  }

  /** A JSON request on the negotiated API version; an empty answer gives undefined. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.throwIfClosed();
    const versioned = await this.versioned(path, options.signal);
    return this.http.requestJson<T>(method, versioned, {
      ...options,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
  }

  /**
   * A streaming request. The body runs until it ends, is cancelled, `signal` aborts or the
   * client closes; the caller must read it to the end or cancel it.
   */
  async stream(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    this.throwIfClosed();
    const versioned = await this.versioned(path, options.signal);
    return this.http.openStream(method, versioned, {
      ...options,
      signal: this.untilClosed(options.signal),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
  }

  /** An upgraded connection carrying a raw stream both ways (exec start, attach). */
  async hijack(method: string, path: string, options: RequestOptions = {}): Promise<HijackedConnection> {
    this.throwIfClosed();
    return this.http.hijack({
      method,
      path: await this.versioned(path, options.signal),
      query: options.query,
      body: options.body,
      signal: this.untilClosed(options.signal),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
  }

  /** An upgrade passed through as the caller asked for it (the Engine API endpoint per environment). */
  forwardHijack(request: HijackRequest): Promise<HijackedConnection> {
    this.throwIfClosed();
    return this.http.hijack({ ...request, signal: this.untilClosed(request.signal) });
  }

  /**
   * Passes a request through unchanged (the Engine API endpoint per environment): the answer
   * comes back as the daemon gave it, error statuses included. The caller reads or cancels it.
   */
  forward(request: ForwardRequest): Promise<Response> {
    this.throwIfClosed();
    return this.http.forward({ ...request, signal: this.untilClosed(request.signal) });
  }

  /**
   * Ends the streams and hijacked connections this client has open and closes its idle
   * connections. Requests in flight finish; new calls are refused.
   */
  close(): void {
    this.closing.abort(this.closedError());
    this.http.close();
  }

  // --- system

  /** GET /_ping, unversioned: answers even when negotiation would fail. */
  async ping(call: CallOptions = {}): Promise<void> {
    this.throwIfClosed();
    await this.http.requestJson('GET', '/_ping', { ...call, timeoutMs: call.timeoutMs ?? this.timeoutMs });
  }

  async version(call: CallOptions = {}): Promise<VersionAnswer> {
    const answer = await this.request<unknown>('GET', '/version', call);
    if (!isVersionDocument(answer)) throw notEngineError(this.endpoint, 'no version document');
    return answer;
  }

  info(call: CallOptions = {}): Promise<InfoAnswer> {
    return this.request('GET', '/info', call);
  }

  /**
   * Events as they happen, until the iterator is left, `signal` aborts or the client closes;
   * in Docker's terms on Podman too (see podman.ts).
   */
  async *events(options: EventOptions = {}): AsyncGenerator<DockerEvent> {
    const podman = (await this.engineKind(options.signal)) === 'podman';
    const filters = podman && options.filters ? podmanEventFilters(options.filters) : options.filters;
    const body = await this.stream('GET', '/events', {
      query: { since: options.since, filters: encodeFilters(filters) },
      signal: options.signal,
    });
    if (!podman) {
      yield* cancelOnExit(body, jsonLines<DockerEvent>);
      return;
    }
    for await (const event of cancelOnExit(body, jsonLines<DockerEvent>)) {
      // Podman 4's health_status event does not say which state: the container does.
      if (event.Action === 'health_status' && !event.Actor.Attributes?.health_status) {
        const inspect = await this.inspectContainer(event.Actor.ID, { signal: options.signal }).catch(
          () => undefined,
        );
        const health = (inspect?.State as { Health?: { Status?: string } } | undefined)?.Health?.Status;
        if (health) event.Actor.Attributes = { ...event.Actor.Attributes, health_status: health };
      }
      yield dockerEventOf(event);
    }
  }

  /** A call to Podman's own API (`/libpod/...`), which has its own version numbers. */
  libpod<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.throwIfClosed();
    return this.http.requestJson<T>(method, `/v4.0.0/libpod${path}`, {
      ...options,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
  }

  // --- containers

  listContainers(
    options: { all?: boolean; filters?: Record<string, string[]> } & CallOptions = {},
  ): Promise<ContainerSummary[]> {
    const { all, filters, ...call } = options;
    return this.request('GET', '/containers/json', {
      ...call,
      query: { all, filters: encodeFilters(filters) },
    });
  }

  inspectContainer(id: string, call: CallOptions = {}): Promise<ContainerInspect> {
    return this.request('GET', `/containers/${encodeURIComponent(id)}/json`, call);
  }

  createContainer(
    body: Record<string, unknown>,
    name?: string,
    call: CallOptions = {},
  ): Promise<{ Id: string; Warnings: string[] }> {
    return this.request('POST', '/containers/create', { ...call, query: { name }, body });
  }

  /** Starting a running container is not an error. */
  async startContainer(id: string, call: CallOptions = {}): Promise<void> {
    await this.request('POST', `/containers/${encodeURIComponent(id)}/start`, call);
  }

  /** Stopping a stopped container is not an error. The deadline allows for the grace period. */
  async stopContainer(id: string, options: { timeoutSeconds?: number } & CallOptions = {}): Promise<void> {
    const { timeoutSeconds, ...call } = options;
    await this.request('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      ...call,
      query: { t: timeoutSeconds },
      timeoutMs: (call.timeoutMs ?? this.timeoutMs) + (timeoutSeconds ?? 10) * 1000,
    });
  }

  async removeContainer(
    id: string,
    options: { force?: boolean; volumes?: boolean } & CallOptions = {},
  ): Promise<void> {
    const { force, volumes, ...call } = options;
    await this.request('DELETE', `/containers/${encodeURIComponent(id)}`, {
      ...call,
      query: { force, v: volumes },
    });
  }

  /** Log output, demultiplexed for non-TTY containers and raw (all stdout) for TTY ones. */
  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<LogChunk> {
    const { Config } = await this.inspectContainer(id, { signal: options.signal });
    const body = await this.stream('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      query: {
        follow: options.follow,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        timestamps: options.timestamps,
        tail: options.tail,
        since: options.since,
      },
      signal: options.signal,
    });
    yield* cancelOnExit(body, Config.Tty ? rawStream : demuxDockerStream);
  }

  /** Live resource samples, one about every second, until the signal aborts. */
  async *containerStats(id: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<StatsSample> {
    const body = await this.stream('GET', `/containers/${encodeURIComponent(id)}/stats`, {
      query: { stream: true },
      signal: options.signal,
    });
    yield* cancelOnExit(body, jsonLines<StatsSample>);
  }

  /** The processes, with the columns `ps` gives (the daemon chooses them). */
  topContainer(
    id: string,
    call: CallOptions = {},
  ): Promise<{ Titles: string[]; Processes: string[][] | null }> {
    return this.request('GET', `/containers/${encodeURIComponent(id)}/top`, call);
  }

  /** A path from the container's filesystem as a tar stream; the caller reads or cancels it. */
  getArchive(id: string, path: string, call: CallOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.stream('GET', `/containers/${encodeURIComponent(id)}/archive`, { ...call, query: { path } });
  }

  /** Unpacks a tar into the folder `path` of the container. */
  async putArchive(
    id: string,
    path: string,
    archive: ReadableStream<Uint8Array> | Uint8Array,
  ): Promise<void> {
    await this.request('PUT', `/containers/${encodeURIComponent(id)}/archive`, {
      query: { path, noOverwriteDirNonDir: true },
      body: archive,
      timeoutMs: 30 * 60_000,
    });
  }

  // --- exec

  /** Output is attached unless the options say otherwise. */
  execCreate(
    containerId: string,
    options: ExecCreateOptions,
    call: CallOptions = {},
  ): Promise<{ Id: string }> {
    return this.request('POST', `/containers/${encodeURIComponent(containerId)}/exec`, {
      ...call,
      body: { AttachStdout: true, AttachStderr: true, ...options },
    });
  }

  /** `tty` must match the exec's Tty: without one the output is framed (demuxDockerStream). */
  execStart(execId: string, options: { tty: boolean } & CallOptions): Promise<HijackedConnection> {
    const { tty, ...call } = options;
    return this.hijack('POST', `/exec/${encodeURIComponent(execId)}/start`, {
      ...call,
      body: { Detach: false, Tty: tty },
    });
  }

  async execResize(execId: string, size: { h: number; w: number }, call: CallOptions = {}): Promise<void> {
    await this.request('POST', `/exec/${encodeURIComponent(execId)}/resize`, { ...call, query: size });
  }

  execInspect(execId: string, call: CallOptions = {}): Promise<ExecInspect> {
    return this.request('GET', `/exec/${encodeURIComponent(execId)}/json`, call);
  }

  // --- images

  listImages(call: CallOptions = {}): Promise<ImageSummary[]> {
    return this.request('GET', '/images/json', call);
  }

  inspectImage(reference: string, call: CallOptions = {}): Promise<ImageInspect> {
    return this.request('GET', `/images/${encodeURIComponent(reference)}/json`, call);
  }

  /** Pull progress, one event per line; a pull that fails midway throws the daemon's message. */
  async *pullImage(reference: string, options: RegistryOptions = {}): AsyncGenerator<PullProgress> {
    const { name, tag } = splitReference(reference);
    const body = await this.stream('POST', '/images/create', {
      query: { fromImage: name, tag },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(options.auth) },
      signal: options.signal,
    });
    yield* throwOnProgressError(cancelOnExit(body, jsonLines<PullProgress>));
  }

  /** Push progress, like `pullImage`. */
  async *pushImage(reference: string, options: RegistryOptions = {}): AsyncGenerator<PullProgress> {
    const { name, tag } = splitReference(reference);
    const body = await this.stream('POST', `/images/${encodeURIComponent(name)}/push`, {
      query: { tag },
      headers: { 'X-Registry-Auth': encodeRegistryAuth(options.auth) },
      signal: options.signal,
    });
    yield* throwOnProgressError(cancelOnExit(body, jsonLines<PullProgress>));
  }

  /** Gives the image `source` the reference `target` as well. */
  async tagImage(source: string, target: string, call: CallOptions = {}): Promise<void> {
    const { name, tag } = splitReference(target);
    await this.request('POST', `/images/${encodeURIComponent(source)}/tag`, {
      ...call,
      query: { repo: name, tag },
    });
  }

  /** Removes a reference; the image goes with its last one. */
  async removeImage(reference: string, options: { force?: boolean } & CallOptions = {}): Promise<void> {
    const { force, ...call } = options;
    await this.request('DELETE', `/images/${encodeURIComponent(reference)}`, { ...call, query: { force } });
  }

  // --- volumes and networks

  async listVolumes(call: CallOptions = {}): Promise<VolumeSummary[]> {
    return (await this.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes', call)).Volumes ?? [];
  }

  listNetworks(call: CallOptions = {}): Promise<NetworkSummary[]> {
    return this.request('GET', '/networks', call);
  }

  // --- plumbing

  private async versioned(path: string, signal: AbortSignal | undefined): Promise<string> {
    return `/v${await this.negotiate(signal)}${path}`;
  }

  private throwIfClosed(): void {
    if (this.closing.signal.aborted) throw this.closedError();
  }

  private closedError(): Error {
    return new Error(`the Docker client for ${describeEndpoint(this.endpoint)} is closed`);
  }

  private untilClosed(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }
}

/** Runs a reader over the body and cancels the body when the consumer leaves early. */
async function* cancelOnExit<T>(
  body: ReadableStream<Uint8Array>,
  reader: (source: AsyncIterable<Uint8Array>) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  try {
    yield* reader(body);
  } finally {
    await body.cancel().catch(() => undefined);
  }
}

async function* throwOnProgressError(events: AsyncGenerator<PullProgress>): AsyncGenerator<PullProgress> {
  for await (const event of events) {
    if (event.error) throw new DockerApiError(500, event.errorDetail?.message ?? event.error);
    yield event;
  }
}

/** Rejects with the signal's reason when it aborts first; the shared promise runs on. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function encodeFilters(filters: Record<string, string[]> | undefined): QueryValue {
  return filters && Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined;
}

/** What GET /version answers on a Docker Engine (and Podman's compatible API). */
function isVersionDocument(answer: unknown): answer is VersionAnswer {
  const document = answer as Record<string, unknown> | null;
  return (
    typeof document === 'object' &&
    document !== null &&
    ['Version', 'ApiVersion', 'Os', 'Arch'].every((field) => typeof document[field] === 'string')
  );
}
