// Long work (image pulls and pushes, deploys) that outlives the request that started it: each
// job runs in the background, lets subscribers follow it live, and keeps what it reported
// (bounded) so that a page opened later can replay it. Jobs and their replay are kept in the
// store, written in batches, so that both survive a restart; jobs a stopped process left running
// end as `interrupted`. Running jobs live in memory too, for their followers.
import type { Permission } from '../auth/permissions.ts';
import type { Job, JobEvent, JobOwner, JobStatus } from '../docker/views.ts';
import type { JobChanges, JobStore } from '../store/jobs.ts';

export type { Job, JobEvent, JobOwner, JobStatus };

export type JobMessage = { type: 'event'; event: JobEvent } | { type: 'end'; job: Job };

/**
 * Records one event. A `key` says "this supersedes my previous event with the same key" (a
 * layer's progress): the replay keeps only the latest of them, live followers see them all.
 */
export type JobReport = (data: unknown, key?: string) => void;

export type JobWork = (report: JobReport, signal: AbortSignal) => Promise<void>;

export interface JobRegistryOptions {
  /** How long a finished job stays listed and replayable. */
  retentionMs?: number;
  /** Events kept per job for the replay; the oldest go first. */
  maxEvents?: number;
  /** Finished jobs kept at most; the oldest go first. */
  maxFinished?: number;
  /** How long reports gather before they are written together. */
  writeDelayMs?: number;
  /** Told once about every job's end (the audit log records outcomes). */
  onEnd?: (job: Job) => void | Promise<void>;
  /** Told when the store (or `onEnd`) failed; the jobs go on. */
  onWriteError?: (error: unknown) => void;
}

/** Why a job has no outcome: the process that ran it stopped. */
export const INTERRUPTED_BY_RESTART = 'Windflow stopped (a restart or a crash) while this job was running';
const INTERRUPTED_BY_SHUTDOWN = 'Windflow was shut down while this job was running';

interface Entry {
  job: Job;
  events: JobEvent[];
  keyed: Map<string, JobEvent>;
  nextSeq: number;
  listeners: Set<(message: JobMessage) => void>;
  abort: AbortController;
  /** What the store does not have yet. */
  created: boolean;
  updated: boolean;
  unsaved: Set<number>;
  removed: number[];
}

export class JobRegistry {
  /** Running jobs, and finished ones until their end is written. */
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<Entry>();
  /** Ends being written and told. */
  private readonly ending = new Set<Promise<void>>();
  private readonly retentionMs: number;
  private readonly maxEvents: number;
  private readonly maxFinished: number;
  private readonly writeDelayMs: number;
  // Not Bun's Timer, to keep this file free of Bun's types.
  private writeTimer?: ReturnType<typeof setTimeout>;
  /** Writes happen one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private readonly options: JobRegistryOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? 30 * 86_400_000;
    this.maxEvents = options.maxEvents ?? 2_000;
    this.maxFinished = options.maxFinished ?? 500;
    this.writeDelayMs = options.writeDelayMs ?? 250;
  }

  /**
   * At start-up: jobs an earlier process left running end as interrupted (each told to `onEnd`),
   * and finished jobs past their retention go.
   */
  async recover(): Promise<Job[]> {
    const interrupted = await this.store.interruptRunning(INTERRUPTED_BY_RESTART);
    for (const job of interrupted) await this.options.onEnd?.(job);
    await this.prune();
    return interrupted;
  }

  /** Starts `work` in the background and returns the job's id at once. */
  start(
    kind: Permission,
    environmentId: number,
    target: string,
    work: JobWork,
    startedBy?: JobOwner,
  ): string {
    const id = crypto.randomUUID();
    const entry: Entry = {
      job: {
        id,
        kind,
        environmentId,
        target,
        status: 'running',
        startedAt: new Date().toISOString(),
        startedBy,
      },
      events: [],
      keyed: new Map(),
      nextSeq: 1,
      listeners: new Set(),
      abort: new AbortController(),
      created: true,
      updated: false,
      unsaved: new Set(),
      removed: [],
    };
    this.entries.set(id, entry);
    this.changed(entry, true);
    const report: JobReport = (data, key) => this.record(entry, data, key);
    // The work starts on the next tick, so that the caller has the id before any event.
    void Promise.resolve()
      .then(() => work(report, entry.abort.signal))
      .then(
        () => this.finish(entry, 'succeeded'),
        (error: unknown) =>
          this.finish(entry, 'failed', error instanceof Error ? error.message : String(error)),
      );
    return id;
  }

  async get(id: string): Promise<Job | undefined> {
    const entry = this.entries.get(id);
    return entry ? { ...entry.job } : this.store.get(id);
  }

  /** Newest first: the running jobs and the most recent finished ones. */
  async list(query: { environmentId?: number; limit?: number } = {}): Promise<Job[]> {
    const limit = query.limit ?? 200;
    const live = [...this.entries.values()]
      .map((entry) => ({ ...entry.job }))
      .filter((job) => query.environmentId === undefined || job.environmentId === query.environmentId);
    const liveIds = new Set(live.map((job) => job.id));
    const stored = (await this.store.list({ environmentId: query.environmentId, limit })).filter(
      (job) => !liveIds.has(job.id),
    );
    return [...live, ...stored].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit);
  }

  /** The events kept for the replay, after `afterSeq`. */
  async events(id: string, afterSeq = 0): Promise<JobEvent[]> {
    const entry = this.entries.get(id);
    if (entry) return entry.events.filter((event) => event.seq > afterSeq);
    return this.store.events(id, afterSeq);
  }

  /**
   * What the job reported after `afterSeq` and then, live, everything it reports until it ends;
   * the last message is `end`. Leaving the loop early, or aborting `signal` (the follower went
   * away), stops following, not the job.
   */
  async *follow(id: string, afterSeq = 0, signal?: AbortSignal): AsyncGenerator<JobMessage> {
    const entry = this.entries.get(id);
    if (entry?.job.status !== 'running') {
      const job = entry ? { ...entry.job } : await this.store.get(id);
      if (!job) return;
      for (const event of await this.events(id, afterSeq)) yield { type: 'event', event };
      yield { type: 'end', job };
      return;
    }
    const queue: JobMessage[] = entry.events
      .filter((event) => event.seq > afterSeq)
      .map((event) => ({ type: 'event', event }));
    let wake: (() => void) | undefined;
    const listener = (message: JobMessage) => {
      queue.push(message);
      wake?.();
    };
    entry.listeners.add(listener);
    try {
      while (true) {
        const message = queue.shift();
        if (!message) {
          if (signal?.aborted) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal?.addEventListener('abort', () => resolve(), { once: true });
          });
          wake = undefined;
          continue;
        }
        yield message;
        if (message.type === 'end') return;
      }
    } finally {
      entry.listeners.delete(listener);
    }
  }

  /** At shutdown: the running jobs end as interrupted and are aborted; resolves once all is written. */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.job.status !== 'running') continue;
      this.finish(entry, 'interrupted', INTERRUPTED_BY_SHUTDOWN);
      entry.abort.abort(new Error(INTERRUPTED_BY_SHUTDOWN));
    }
    await this.write();
    await Promise.allSettled([...this.ending]);
  }

  private record(entry: Entry, data: unknown, key: string | undefined): void {
    if (entry.job.status !== 'running') return;
    const event: JobEvent = { seq: entry.nextSeq++, at: new Date().toISOString(), data };
    if (key !== undefined) {
      const previous = entry.keyed.get(key);
      if (previous) this.forget(entry, entry.events.indexOf(previous));
      entry.keyed.set(key, event);
    }
    entry.events.push(event);
    entry.unsaved.add(event.seq);
    if (entry.events.length > this.maxEvents) {
      const dropped = entry.events[0] as JobEvent;
      this.forget(entry, 0);
      for (const [key, kept] of entry.keyed) if (kept === dropped) entry.keyed.delete(key);
    }
    for (const listener of entry.listeners) listener({ type: 'event', event });
    this.changed(entry, false);
  }

  /** Takes an event out of the replay; the store forgets it too if it has it. */
  private forget(entry: Entry, index: number): void {
    const [event] = entry.events.splice(index, 1);
    if (!event) return;
    if (!entry.unsaved.delete(event.seq)) entry.removed.push(event.seq);
  }

  private finish(entry: Entry, status: JobStatus, error?: string): void {
    if (entry.job.status !== 'running') return; // interrupted at shutdown, then its work gave up
    Object.assign(entry.job, { status, error, finishedAt: new Date().toISOString() });
    entry.keyed.clear();
    entry.updated = true;
    const ended = { ...entry.job };
    for (const listener of entry.listeners) listener({ type: 'end', job: ended });
    const ending = this.changed(entry, true).then(async () => {
      // Written: the store answers for it from now on.
      this.entries.delete(entry.job.id);
      try {
        await this.options.onEnd?.(ended);
      } catch (error) {
        this.options.onWriteError?.(error);
      }
      await this.prune();
    });
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
  }

  /** Queues the entry's changes for the next write: soon, or now when `urgent`. */
  private changed(entry: Entry, urgent: boolean): Promise<void> {
    this.dirty.add(entry);
    if (urgent) return this.write();
    this.writeTimer ??= setTimeout(() => void this.write(), this.writeDelayMs);
    return this.writing;
  }

  /** Writes everything queued, in one transaction, after the writes before it. */
  private write(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const batch = [...this.dirty].map((entry) => this.takeChanges(entry));
    this.dirty.clear();
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.save(batch);
      } catch (error) {
        this.options.onWriteError?.(error);
      }
    });
    return this.writing;
  }

  private takeChanges(entry: Entry): JobChanges {
    const changes: JobChanges = {
      job: { ...entry.job },
      created: entry.created,
      updated: entry.updated,
      added: entry.events.filter((event) => entry.unsaved.has(event.seq)),
      removed: entry.removed,
    };
    entry.created = false;
    entry.updated = false;
    entry.unsaved.clear();
    entry.removed = [];
    return changes;
  }

  private async prune(): Promise<void> {
    try {
      await this.store.prune(new Date(Date.now() - this.retentionMs).toISOString(), this.maxFinished);
    } catch (error) {
      this.options.onWriteError?.(error);
    }
  }
}
