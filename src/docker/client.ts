// A client for one Docker daemon over Engine API v1.41+. It negotiates the API version once,
// reuses connections, puts a timeout on every call and a cancel on every stream.
import type { DockerEndpoint } from './endpoint.ts';
import { DockerApiError, DockerVersionError } from './errors.ts';
import { type HijackedConnection, hijack } from './hijack.ts';
import { demuxDockerStream, jsonLines, type OutputChunk, rawStream } from './streams.ts';
import { exchange, type QueryValue, type RequestOptions } from './transport.ts';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  ExecCreateOptions,
  ExecInspect,
  ImageSummary,
  InfoAnswer,
  NetworkSummary,
  ProgressEvent,
  RegistryAuth,
  VersionAnswer,
  VolumeSummary,
} from './types.ts';

export const MIN_API_VERSION = '1.41';
export const MAX_API_VERSION = '1.47';
export const DEFAULT_TIMEOUT_MS = 30_000;

export type { RequestOptions };

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  timestamps?: boolean;
  tail?: number | 'all';
  since?: number;
  signal?: AbortSignal;
}

export class DockerClient {
  private negotiated: Promise<string> | undefined;
  private negotiatedVersion: string | undefined;
  private readonly timeoutMs: number;
  private readonly closing = new AbortController();

  constructor(
    readonly endpoint: DockerEndpoint,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get apiVersion(): string | undefined {
    return this.negotiatedVersion;
  }

  /** The lower of the daemon's API version and ours, asked once (and again after a failure). */
  negotiate(signal?: AbortSignal): Promise<string> {
    this.negotiated ??= this.unversioned<VersionAnswer>('GET', '/version', { signal }).then(
      (version) => {
        if (compareVersions(version.ApiVersion, MIN_API_VERSION) < 0) {
          throw new DockerVersionError(
            `Docker ${version.Version} speaks API ${version.ApiVersion}; Windflow needs ${MIN_API_VERSION} or newer`,
          );
        }
        this.negotiatedVersion =
          compareVersions(version.ApiVersion, MAX_API_VERSION) < 0 ? version.ApiVersion : MAX_API_VERSION;
        return this.negotiatedVersion;
      },
      (error: unknown) => {
        this.negotiated = undefined;
        throw error;
      },
    );
    return this.negotiated;
  }

  /** A JSON request on the negotiated API version; an empty answer gives undefined. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.unversioned<T>(method, await this.versioned(path, options.signal), options);
  }

  /** A streaming request: the body runs until it ends, is cancelled, or `signal` aborts. */
  async stream(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const versionedPath = await this.versioned(path, options.signal);
    return exchange(
      this.endpoint,
      method,
      versionedPath,
      {
        ...options,
        signal: this.withClosing(options.signal),
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        timeBody: false,
      },
      async (response) => response.body ?? new ReadableStream({ start: (controller) => controller.close() }),
    );
  }

  /** An upgraded connection carrying a raw stream both ways (exec start, attach). */
  async hijack(method: string, path: string, options: RequestOptions = {}): Promise<HijackedConnection> {
    const versionedPath = await this.versioned(path, options.signal);
    return hijack(this.endpoint, method, versionedPath, {
      ...options,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
  }

  /** Ends the streams this client has open; idle pooled connections are Bun's to close. */
  close(): void {
    this.closing.abort();
  }

  // --- system

  async ping(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.unversioned<string>('GET', '/_ping', options);
  }

  version(options: { signal?: AbortSignal } = {}): Promise<VersionAnswer> {
    return this.request('GET', '/version', options);
  }

  info(options: { signal?: AbortSignal } = {}): Promise<InfoAnswer> {
    return this.request('GET', '/info', options);
  }

  async *events(
    options: { since?: number; filters?: Record<string, string[]>; signal?: AbortSignal } = {},
  ): AsyncGenerator<DockerEvent> {
    const body = await this.stream('GET', '/events', {
      query: { since: options.since, filters: encodeFilters(options.filters) },
      signal: options.signal,
    });
    yield* cancelOnExit(body, jsonLines<DockerEvent>);
  }

  // --- containers

  listContainers(
    query: { all?: boolean; filters?: Record<string, string[]> } = {},
  ): Promise<ContainerSummary[]> {
    return this.request('GET', '/containers/json', {
      query: { all: query.all, filters: encodeFilters(query.filters) },
    });
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.request('GET', `/containers/${encodeURIComponent(id)}/json`);
  }

  createContainer(body: Record<string, unknown>, name?: string): Promise<{ Id: string; Warnings: string[] }> {
    return this.request('POST', '/containers/create', { query: { name }, body });
  }

  async startContainer(id: string): Promise<void> {
    await this.request('POST', `/containers/${encodeURIComponent(id)}/start`);
  }

  async stopContainer(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const grace = options.timeoutSeconds ?? 10;
    await this.request('POST', `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: grace },
      timeoutMs: this.timeoutMs + grace * 1000,
    });
  }

  async removeContainer(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.request('DELETE', `/containers/${encodeURIComponent(id)}`, {
      query: { force: options.force, v: options.volumes },
    });
  }

  /** Log output, demultiplexed for non-TTY containers and raw (all stdout) for TTY ones. */
  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<OutputChunk> {
    const { Config } = await this.inspectContainer(id);
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

  // --- exec

  execCreate(containerId: string, options: ExecCreateOptions): Promise<{ Id: string }> {
    return this.request('POST', `/containers/${encodeURIComponent(containerId)}/exec`, {
      body: { AttachStdout: true, AttachStderr: true, ...options },
    });
  }

  execStart(execId: string, options: { tty: boolean }): Promise<HijackedConnection> {
    return this.hijack('POST', `/exec/${encodeURIComponent(execId)}/start`, {
      body: { Detach: false, Tty: options.tty },
    });
  }

  async execResize(execId: string, size: { rows: number; columns: number }): Promise<void> {
    await this.request('POST', `/exec/${encodeURIComponent(execId)}/resize`, {
      query: { h: size.rows, w: size.columns },
    });
  }

  execInspect(execId: string): Promise<ExecInspect> {
    return this.request('GET', `/exec/${encodeURIComponent(execId)}/json`);
  }

  // --- images

  listImages(): Promise<ImageSummary[]> {
    return this.request('GET', '/images/json');
  }

  /** Pull progress, one event per line; a failed pull throws the daemon's message at the end. */
  async *pullImage(
    reference: string,
    options: { auth?: RegistryAuth; signal?: AbortSignal } = {},
  ): AsyncGenerator<ProgressEvent> {
    const { name, tag } = splitReference(reference);
    const body = await this.stream('POST', '/images/create', {
      query: { fromImage: name, tag },
      headers: { 'X-Registry-Auth': encodeAuth(options.auth) },
      signal: options.signal,
    });
    yield* throwOnProgressError(cancelOnExit(body, jsonLines<ProgressEvent>));
  }

  async *pushImage(
    reference: string,
    options: { auth?: RegistryAuth; signal?: AbortSignal } = {},
  ): AsyncGenerator<ProgressEvent> {
    const { name, tag } = splitReference(reference);
    const body = await this.stream('POST', `/images/${name}/push`, {
      query: { tag },
      headers: { 'X-Registry-Auth': encodeAuth(options.auth) },
      signal: options.signal,
    });
    yield* throwOnProgressError(cancelOnExit(body, jsonLines<ProgressEvent>));
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { name, tag } = splitReference(target);
    await this.request('POST', `/images/${source}/tag`, { query: { repo: name, tag } });
  }

  async removeImage(reference: string, options: { force?: boolean } = {}): Promise<void> {
    await this.request('DELETE', `/images/${reference}`, { query: { force: options.force } });
  }

  // --- volumes and networks

  async listVolumes(): Promise<VolumeSummary[]> {
    return (await this.request<{ Volumes: VolumeSummary[] | null }>('GET', '/volumes')).Volumes ?? [];
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return this.request('GET', '/networks');
  }

  // --- plumbing

  private async versioned(path: string, signal?: AbortSignal): Promise<string> {
    return `/v${await this.negotiate(signal)}${path}`;
  }

  private unversioned<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    return exchange(
      this.endpoint,
      method,
      path,
      { ...options, timeoutMs: options.timeoutMs ?? this.timeoutMs, timeBody: true },
      readAnswer<T>,
    );
  }

  private withClosing(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
  }
}

async function readAnswer<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!text) return undefined as T;
  return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
}

/** Runs a reader over the body and cancels the body if the consumer stops early. */
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

async function* throwOnProgressError(events: AsyncGenerator<ProgressEvent>): AsyncGenerator<ProgressEvent> {
  for await (const event of events) {
    if (event.error) throw new DockerApiError(500, event.errorDetail?.message ?? event.error);
    yield event;
  }
}

/** `registry:5000/name:tag` -> name and tag; a digest reference keeps the digest in the name. */
export function splitReference(reference: string): { name: string; tag?: string } {
  if (reference.includes('@')) return { name: reference };
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > lastSlash) return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { name: reference, tag: 'latest' };
}

function encodeAuth(auth: RegistryAuth | undefined): string {
  return Buffer.from(JSON.stringify(auth ?? {})).toString('base64url');
}

function encodeFilters(filters: Record<string, string[]> | undefined): QueryValue {
  return filters && Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined;
}

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
