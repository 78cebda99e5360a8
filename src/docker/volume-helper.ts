// Short-lived helper containers that mount a volume so Windflow can look inside it. One helper
// per volume is kept for a short idle time so that browsing stays fast, then removed. Commands
// run in it as argv arrays (never through a shell), and every helper is labelled with its owner
// (one Windflow installation) so that a restart removes what a previous run left behind without
// touching the helpers of another Windflow using the same daemon. The helper image is the one
// Windflow carries (built from busybox-static, see scripts/helper-image.ts), loaded into an engine
// that lacks it; no registry is needed. Another image (--helper-image) is pulled if missing.
import { randomUUID } from 'node:crypto';
import { VERSION } from '../daemon/version.ts';
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { DockerApiError } from './errors.ts';
import type { HijackedConnection } from './hijack.ts';
import { importImages } from './images.ts';
import { demuxDockerStream } from './streams.ts';
import { MOUNT_ROOT } from './volume-paths.ts';

export const HELPER_LABEL = 'windflow.helper';
export const HELPER_KIND = 'volume-browser';
export const HELPER_VOLUME_LABEL = 'windflow.helper.volume';
export const HELPER_OWNER_LABEL = 'windflow.helper.owner';
/** The helper image Windflow carries, named for this version. */
export const HELPER_IMAGE = `windflow/helper:${VERSION}`;
export const DEFAULT_HELPER_IMAGE = HELPER_IMAGE;
export const DEFAULT_HELPER_IDLE_MS = 30_000;

/** A helper is not handed out again after this long (its `sleep` ends after an hour). */
const MAX_REUSE_MS = 30 * 60_000;
const HELPER_LIFETIME_SECONDS = 3600;
const MAX_STDERR_BYTES = 16_384;

export interface VolumeHelperOptions {
  /** Default: the one Windflow carries. Needs busybox applets, not a shell. */
  image?: string;
  /** HELPER_IMAGE as a `docker save` archive (the built binary carries it): loaded, not pulled. */
  archive?: string;
  /** Where loading the helper image is told. */
  logger?: { info(message: string, fields?: Record<string, unknown>): void };
  /** How long an unused helper waits for the next operation; 0 removes it at once. */
  idleMs?: number;
  /** Who the helpers belong to: the same across restarts of one installation. Default: this object only. */
  owner?: string;
}

interface HelperState {
  volume: string;
  ready: Promise<string>;
  createdAt: number;
  users: number;
  idleTimer?: Timer;
  retired: boolean;
}

export interface HelperLease {
  containerId: string;
  release(): Promise<void>;
}

export class VolumeHelpers {
  readonly image: string;
  private readonly archive?: string;
  private readonly logger?: VolumeHelperOptions['logger'];
  readonly idleMs: number;
  readonly owner: string;
  /** Helpers this object has started and not yet removed: removeLeftovers leaves them alone. */
  private readonly held = new Set<string>();
  private readonly current = new Map<DockerClient, Map<string, HelperState>>();
  private readonly removals = new Set<Promise<void>>();

  constructor(options: VolumeHelperOptions = {}) {
    this.image = options.image ?? DEFAULT_HELPER_IMAGE;
    this.archive = options.archive;
    this.logger = options.logger;
    this.idleMs = options.idleMs ?? DEFAULT_HELPER_IDLE_MS;
    this.owner = options.owner ?? randomUUID();
  }

  /** Runs `work` with a helper that mounts `volume` at MOUNT_ROOT. */
  async use<T>(client: DockerClient, volume: string, work: (containerId: string) => Promise<T>): Promise<T> {
    const lease = await this.acquire(client, volume);
    try {
      return await work(lease.containerId);
    } finally {
      await lease.release();
    }
  }

  /** A helper for as long as the caller needs it (streams); call release() exactly once. */
  async acquire(client: DockerClient, volume: string): Promise<HelperLease> {
    const byVolume = this.current.get(client) ?? new Map<string, HelperState>();
    this.current.set(client, byVolume);
    let state = byVolume.get(volume);
    if (state && Date.now() - state.createdAt > MAX_REUSE_MS) {
      this.retire(client, state);
      state = undefined;
    }
    if (!state) {
      state = {
        volume,
        ready: startHelper(client, this.image, volume, this.owner, () => this.provideImage(client)),
        createdAt: Date.now(),
        users: 0,
        retired: false,
      };
      byVolume.set(volume, state);
      const created = state;
      created.ready.then(
        (id) => this.held.add(id),
        () => byVolume.get(volume) === created && byVolume.delete(volume),
      );
    }
    state.users += 1;
    clearTimeout(state.idleTimer);
    const leased = state;
    let containerId: string;
    try {
      containerId = await leased.ready;
    } catch (error) {
      leased.users -= 1;
      throw error;
    }
    let released = false;
    return {
      containerId,
      release: async () => {
        if (released) return;
        released = true;
        leased.users -= 1;
        if (leased.users > 0) return;
        if (leased.retired || this.idleMs <= 0) await this.remove(client, leased);
        else leased.idleTimer = setTimeout(() => void this.remove(client, leased), this.idleMs);
      },
    };
  }

  /** Gets the helper image onto an engine that lacks it: loads the one carried, pulls another. */
  private async provideImage(client: DockerClient): Promise<void> {
    if (this.image === HELPER_IMAGE && this.archive) {
      const loaded = await importImages(client, Bun.file(this.archive).stream());
      this.logger?.info('loaded the helper image into an engine', { image: HELPER_IMAGE, loaded });
      return;
    }
    try {
      for await (const _ of client.pullImage(this.image)) {
        // Progress is not shown anywhere; the pull only has to finish.
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HttpError(
        502,
        'HELPER_IMAGE_UNAVAILABLE',
        `The volume browser's helper image ${this.image} is not on this engine and could not be pulled: ${reason}`,
      );
    }
  }

  /** Removes the unused helpers of one volume (before the volume itself is removed), or of all. */
  async releaseIdle(client: DockerClient, volume?: string): Promise<void> {
    const idle = [...(this.current.get(client)?.values() ?? [])].filter(
      (state) => state.users === 0 && (volume === undefined || state.volume === volume),
    );
    await Promise.all(idle.map((state) => this.remove(client, state)));
  }

  /** Resolves once every removal started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.removals]);
  }

  /** Removes this owner's helpers that an earlier run left behind (a crash, a kill -9). */
  async removeLeftovers(client: DockerClient): Promise<number> {
    const leftovers = (
      await client.listContainers({
        all: true,
        filters: { label: [`${HELPER_LABEL}=${HELPER_KIND}`, `${HELPER_OWNER_LABEL}=${this.owner}`] },
      })
    ).filter((container) => !this.held.has(container.Id));
    await Promise.all(leftovers.map((container) => client.removeContainer(container.Id, { force: true })));
    return leftovers.length;
  }

  /** Removes every helper, in use or not (at shutdown). */
  async close(): Promise<void> {
    await Promise.all(
      [...this.current].flatMap(([client, byVolume]) =>
        [...byVolume.values()].map((state) => this.remove(client, state)),
      ),
    );
    await this.settled();
  }

  private retire(client: DockerClient, state: HelperState): void {
    state.retired = true;
    this.current.get(client)?.delete(state.volume);
    if (state.users === 0) void this.remove(client, state);
  }

  private remove(client: DockerClient, state: HelperState): Promise<void> {
    clearTimeout(state.idleTimer);
    const byVolume = this.current.get(client);
    if (byVolume?.get(state.volume) === state) byVolume.delete(state.volume);
    const removal = state.ready
      .then(async (id) => {
        await client.removeContainer(id, { force: true }).catch((error: unknown) => {
          if (!(error instanceof DockerApiError && error.status === 404)) throw error;
        });
        this.held.delete(id);
      })
      .catch(() => undefined)
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
    return removal;
  }
}

async function startHelper(
  client: DockerClient,
  image: string,
  volume: string,
  owner: string,
  provideImage: () => Promise<void>,
): Promise<string> {
  await client.request('GET', `/volumes/${encodeURIComponent(volume)}`).catch((error: unknown) => {
    if (error instanceof DockerApiError && error.status === 404) {
      throw new HttpError(404, 'VOLUME_NOT_FOUND', `No volume named ${volume}`);
    }
    throw error;
  });
  const spec = {
    Image: image,
    Cmd: ['sleep', String(HELPER_LIFETIME_SECONDS)],
    User: '0:0',
    WorkingDir: '/',
    NetworkDisabled: true,
    Labels: { [HELPER_LABEL]: HELPER_KIND, [HELPER_VOLUME_LABEL]: volume, [HELPER_OWNER_LABEL]: owner },
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: volume, Target: MOUNT_ROOT, VolumeOptions: { NoCopy: true } }],
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      // Root in the helper must read and change every file whoever owns it, and nothing else.
      CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER'],
      // Writable is the volume alone: whatever follows a link out of it cannot write anywhere.
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
    },
  };
  // Named after its volume, so that a person who sees it in a container list knows what it is.
  const name = `windflow-browse-${volume}-${randomUUID().slice(0, 8)}`;
  const { Id } = await client.createContainer(spec, name).catch(async (error: unknown) => {
    if (!(error instanceof DockerApiError && error.status === 404)) throw error;
    await provideImage();
    return client.createContainer(spec, name);
  });
  try {
    await client.startContainer(Id);
  } catch (error) {
    await client.removeContainer(Id, { force: true }).catch(() => undefined);
    throw error;
  }
  return Id;
}

export interface ExecResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: string;
  /** stdout went past maxStdoutBytes and the rest was not read. */
  truncated: boolean;
}

/**
 * Runs argv in the helper and collects its output (stdout up to maxStdoutBytes). With `input`,
 * that stream is the command's stdin, written as the command reads it.
 */
export async function execIn(
  client: DockerClient,
  containerId: string,
  cmd: string[],
  options: { maxStdoutBytes?: number; input?: ReadableStream<Uint8Array> } = {},
): Promise<ExecResult> {
  const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;
  const { Id } = await client.execCreate(containerId, {
    Cmd: cmd,
    AttachStdin: options.input !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const connection = await client.execStart(Id, { tty: false });
  // Settles to the write's error, if any: the command's exit status says more when it failed.
  const writing = options.input
    ? feed(connection, options.input).then(
        () => undefined,
        (error: unknown) => error,
      )
    : Promise.resolve(undefined);
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  let stdoutBytes = 0;
  let stderrBytes = 0;
  let truncated = false;
  try {
    for await (const chunk of demuxDockerStream(connection.output)) {
      if (chunk.stream === 'stderr') {
        if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk.data);
        stderrBytes += chunk.data.length;
        continue;
      }
      stdout.push(chunk.data);
      stdoutBytes += chunk.data.length;
      if (stdoutBytes > maxStdout) {
        truncated = true;
        break;
      }
    }
  } finally {
    connection.close();
  }
  const writeError = await writing;
  const { ExitCode } = await client.execInspect(Id);
  if (writeError && ExitCode === 0) throw writeError;
  return {
    exitCode: ExitCode ?? -1,
    stdout: Buffer.concat(stdout),
    stderr: Buffer.concat(stderr).toString('utf8').trim(),
    truncated,
  };
}

/** Writes the input, then ends the command's stdin; a failed source closes the connection. */
async function feed(connection: HijackedConnection, input: ReadableStream<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of input) await connection.write(chunk);
    connection.closeWrite();
  } catch (error) {
    connection.close();
    throw error;
  }
}
