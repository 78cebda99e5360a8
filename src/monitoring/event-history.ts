// The events history: every Engine event of every environment, as the shared streams
// (engine-events.ts) deliver them, kept in the store and written in batches once a second (one
// timer for all). Exec events are left out: health checks make three of them per probe per
// container, and terminals opened through Windflow are in the audit log. Live views follow what
// is kept, after each write: they show exactly the rows the history will.
import type { Logger } from '../daemon/logger.ts';
import type { DockerEvent } from '../docker/types.ts';
import type { EngineEventRecord, EngineEventStore, NewEngineEvent } from '../store/engine-events.ts';
import type { EngineEventStreams } from './engine-events.ts';

const FLUSH_MS = 1000;
/**
 * A live reader this many events behind is ended: it reconnects and reloads instead of growing
 * memory. Queues hold references to the records all readers share, so a second's burst fits.
 */
export const MAX_QUEUED_EVENTS = 10_000;

export class FellBehindError extends Error {
  constructor() {
    super(`The live events fell more than ${MAX_QUEUED_EVENTS} behind; reload`);
  }
}

export interface EventHistoryDeps {
  streams: EngineEventStreams;
  store: EngineEventStore;
  logger: Logger;
}

export class EventHistory {
  private pending: NewEngineEvent[] = [];
  private flusher?: Timer;
  private unsubscribe?: () => void;
  private readonly readers = new Set<(kept: EngineEventRecord[]) => void>();

  constructor(private readonly deps: EventHistoryDeps) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.streams.subscribe({
      event: (environmentId, event) => {
        const record = recordOf(environmentId, event);
        if (record) this.pending.push(record);
      },
    });
    this.flusher = setInterval(() => void this.flush(), FLUSH_MS);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.flusher);
    await this.flush();
  }

  /** Writes what came in since the last write. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let kept: EngineEventRecord[];
    try {
      kept = await this.deps.store.add(batch);
    } catch (error) {
      this.deps.logger.warn('could not keep Engine events', { error, events: batch.length });
      return;
    }
    for (const reader of this.readers) reader(kept);
  }

  /** How many live readers follow (the stream routes' clients). */
  get liveReaders(): number {
    return this.readers.size;
  }

  /**
   * Each event once it is kept, oldest first, until `signal` aborts. A reader that falls
   * MAX_QUEUED_EVENTS behind ends with a FellBehindError.
   */
  async *live(signal: AbortSignal): AsyncGenerator<EngineEventRecord> {
    let queue: EngineEventRecord[] = [];
    let behind = false;
    let wake = () => {};
    const reader = (kept: EngineEventRecord[]) => {
      if (queue.length + kept.length > MAX_QUEUED_EVENTS) behind = true;
      else queue.push(...kept);
      wake();
    };
    const stop = () => wake();
    this.readers.add(reader);
    signal.addEventListener('abort', stop, { once: true });
    try {
      while (!signal.aborted) {
        if (behind) throw new FellBehindError();
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        const ready = queue;
        queue = [];
        yield* ready;
      }
    } finally {
      this.readers.delete(reader);
      signal.removeEventListener('abort', stop);
    }
  }
}

function recordOf(environmentId: number, event: DockerEvent): NewEngineEvent | undefined {
  const action = event.Action ?? '';
  if (action.startsWith('exec_')) return undefined;
  const attributes = event.Actor?.Attributes ?? {};
  return {
    environmentId,
    at: event.timeNano ? Math.floor(event.timeNano / 1e6) : event.time * 1000,
    type: event.Type,
    // "health_status: healthy" is the action and its value in one.
    action,
    actorId: event.Actor?.ID ?? '',
    name: attributes.name ?? null,
    stack: attributes['com.docker.compose.project'] ?? null,
    service: attributes['com.docker.compose.service'] ?? null,
    attributes,
  };
}
