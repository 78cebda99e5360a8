// Long work (image pulls and pushes, deploys) that outlives the request that started it: each
// job runs in the background, keeps what it reported in memory (bounded) so that a page opened
// later can replay it, lets subscribers follow it live, and is forgotten a while after it ends.
import type { Permission } from '../auth/permissions.ts';

export type JobStatus = 'running' | 'succeeded' | 'failed';

export interface JobOwner {
  userId: number;
  username: string;
}

export interface Job {
  id: string;
  /** The permission the job runs under; following it needs the same one on its environment. */
  kind: Permission;
  environmentId: number;
  /** What it works on, for people: an image reference, a stack name. */
  target: string;
  status: JobStatus;
  /** Why it failed. */
  error?: string;
  startedAt: string;
  finishedAt?: string;
  startedBy?: JobOwner;
}

export interface JobEvent {
  /** Increases by one per report, from 1. */
  seq: number;
  at: string;
  data: unknown;
}

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
}

interface Entry {
  job: Job;
  events: JobEvent[];
  keyed: Map<string, JobEvent>;
  nextSeq: number;
  listeners: Set<(message: JobMessage) => void>;
  abort: AbortController;
  // Not Bun's Timer: the UI imports Job from this file and type-checks it without Bun's types.
  expiry?: ReturnType<typeof setTimeout>;
}

export class JobRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly retentionMs: number;
  private readonly maxEvents: number;
  private readonly maxFinished: number;

  constructor(options: JobRegistryOptions = {}) {
    this.retentionMs = options.retentionMs ?? 60 * 60_000;
    this.maxEvents = options.maxEvents ?? 2_000;
    this.maxFinished = options.maxFinished ?? 200;
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
    };
    this.entries.set(id, entry);
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

  get(id: string): Job | undefined {
    const entry = this.entries.get(id);
    return entry && { ...entry.job };
  }

  /** Newest first. */
  list(filter: (job: Job) => boolean = () => true): Job[] {
    return [...this.entries.values()]
      .map((entry) => ({ ...entry.job }))
      .filter(filter)
      .reverse();
  }

  /** The events kept for the replay, after `afterSeq`. */
  events(id: string, afterSeq = 0): JobEvent[] {
    return this.entries.get(id)?.events.filter((event) => event.seq > afterSeq) ?? [];
  }

  /**
   * What the job reported after `afterSeq` and then, live, everything it reports until it ends;
   * the last message is `end`. Leaving the loop early, or aborting `signal` (the follower went
   * away), stops following, not the job.
   */
  async *follow(id: string, afterSeq = 0, signal?: AbortSignal): AsyncGenerator<JobMessage> {
    const entry = this.entries.get(id);
    if (!entry) return;
    const queue: JobMessage[] = this.events(id, afterSeq).map((event) => ({ type: 'event', event }));
    if (entry.job.status !== 'running') {
      yield* queue;
      yield { type: 'end', job: { ...entry.job } };
      return;
    }
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

  /** Aborts the running jobs (at shutdown) and forgets every job. */
  close(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.expiry);
      entry.abort.abort(new Error('Windflow is shutting down'));
    }
    this.entries.clear();
  }

  private record(entry: Entry, data: unknown, key: string | undefined): void {
    if (entry.job.status !== 'running') return;
    const event: JobEvent = { seq: entry.nextSeq++, at: new Date().toISOString(), data };
    if (key !== undefined) {
      const previous = entry.keyed.get(key);
      if (previous) entry.events.splice(entry.events.indexOf(previous), 1);
      entry.keyed.set(key, event);
    }
    entry.events.push(event);
    if (entry.events.length > this.maxEvents) {
      const dropped = entry.events.shift();
      for (const [key, kept] of entry.keyed) if (kept === dropped) entry.keyed.delete(key);
    }
    for (const listener of entry.listeners) listener({ type: 'event', event });
  }

  private finish(entry: Entry, status: JobStatus, error?: string): void {
    Object.assign(entry.job, { status, error, finishedAt: new Date().toISOString() });
    entry.keyed.clear();
    for (const listener of entry.listeners) listener({ type: 'end', job: { ...entry.job } });
    if (!this.entries.has(entry.job.id)) return; // closed meanwhile
    entry.expiry = setTimeout(() => this.entries.delete(entry.job.id), this.retentionMs);
    entry.expiry.unref();
    const finished = [...this.entries.values()].filter((kept) => kept.job.status !== 'running');
    for (const old of finished.slice(0, Math.max(finished.length - this.maxFinished, 0))) {
      clearTimeout(old.expiry);
      this.entries.delete(old.job.id);
    }
  }
}
