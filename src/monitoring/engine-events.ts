// The Engine's events of every environment, as one stream per environment whoever listens:
// alert rules, the events history. A stream that ends or fails is opened again with backoff and
// replays what it missed (from the last event's second, without repeating what was seen); its
// link going down and up is told too, which is how an unreachable environment is noticed without
// polling. Environments added, changed or removed are followed as the store reports them.
import type { Logger } from '../daemon/logger.ts';
import type { DockerEvent } from '../docker/types.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import type { EnvironmentStore } from '../store/environments.ts';

export interface EngineEventListener {
  event?(environmentId: number, event: DockerEvent): void;
  /** The stream of an environment opened (up) or failed (down, with the reason). */
  link?(environmentId: number, up: boolean, reason: string): void;
  /** An environment was removed: forget what is kept about it. */
  removed?(environmentId: number): void;
}

export interface EngineEventOptions {
  /** Waits before the 1st, 2nd ... reconnection; the last one repeats. */
  backoffMs?: number[];
}

const DEFAULT_BACKOFF_MS = [1_000, 2_000, 5_000, 15_000, 30_000];

interface Watch {
  controller: AbortController;
  /** Ends the backoff wait early (the agent came back, the environment changed). */
  wake?: () => void;
}

export class EngineEventStreams {
  private readonly listeners = new Set<EngineEventListener>();
  private readonly watches = new Map<number, Watch>();
  private readonly backoffMs: number[];
  private unsubscribe?: () => void;
  private running = false;

  constructor(
    private readonly environments: EnvironmentStore,
    private readonly clients: DockerClientPool,
    private readonly logger: Logger,
    options: EngineEventOptions = {},
  ) {
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens a stream for every environment, and follows the store's changes. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.environments.onChange((id, change) => {
      if (change === 'removed') {
        this.close(id);
        this.tell((listener) => listener.removed?.(id));
      } else if (change === 'created') this.open(id);
      else this.reconnect(id);
    });
    for (const environment of await this.environments.list()) this.open(environment.id);
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    for (const id of [...this.watches.keys()]) this.close(id);
  }

  /** Tries again now instead of at the end of the backoff (an agent just connected). */
  reconnect(environmentId: number): void {
    const watch = this.watches.get(environmentId);
    if (watch) watch.wake?.();
    else this.open(environmentId);
  }

  private open(environmentId: number): void {
    if (!this.running || this.watches.has(environmentId)) return;
    const watch: Watch = { controller: new AbortController() };
    this.watches.set(environmentId, watch);
    this.follow(environmentId, watch).finally(() => {
      if (this.watches.get(environmentId) === watch) this.watches.delete(environmentId);
    });
  }

  private close(environmentId: number): void {
    this.watches.get(environmentId)?.controller.abort();
    this.watches.delete(environmentId);
  }

  private async follow(environmentId: number, watch: Watch): Promise<void> {
    const { signal } = watch.controller;
    let failures = 0;
    let lastSecond: number | undefined;
    let lastNano = 0;
    while (!signal.aborted) {
      let reason = 'the events stream ended';
      try {
        const environment = await this.environments.get(environmentId);
        if (!environment) return;
        const client = await this.clients.clientFor(environment);
        await client.ping({ signal });
        failures = 0;
        this.tell((listener) => listener.link?.(environmentId, true, 'connected'));
        for await (const event of client.events({ since: lastSecond, signal })) {
          if (event.timeNano <= lastNano) continue; // replayed: seen before the reconnection
          lastNano = event.timeNano;
          lastSecond = event.time;
          this.tell((listener) => listener.event?.(environmentId, event));
        }
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (signal.aborted) return;
      this.tell((listener) => listener.link?.(environmentId, false, reason));
      const delay = this.backoffMs[Math.min(failures, this.backoffMs.length - 1)] ?? 30_000;
      failures++;
      this.logger.debug('events stream lost; reconnecting', { environmentId, reason, delay });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        watch.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      watch.wake = undefined;
    }
  }

  private tell(call: (listener: EngineEventListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (error) {
        this.logger.error('an events listener failed', { error });
      }
    }
  }
}
