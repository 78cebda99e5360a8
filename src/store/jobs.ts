// Background jobs and the events their replay keeps, so that a job can still be looked at and
// followed again after a restart. The job registry (src/jobs/job-registry.ts) decides what the
// replay keeps; this writes its changes in batches, one transaction for many jobs and events.
import type { Job, JobEvent, JobStatus } from '../docker/views.ts';
import type { Database } from './database.ts';

/** What changed in one job since its last write. */
export interface JobChanges {
  job: Job;
  /** The job has no row yet. */
  created: boolean;
  /** Its status, error or end changed. */
  updated: boolean;
  /** New events for the replay, in order. */
  added: JobEvent[];
  /** Written events the replay no longer keeps (superseded by a newer one with the same key, or too old). */
  removed: number[];
}

interface JobRow {
  id: string;
  kind: Job['kind'];
  environment_id: number;
  target: string;
  status: JobStatus;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  started_by_id: number | null;
  started_by_name: string | null;
}

interface EventRow {
  seq: number;
  at: string;
  data: string;
}

// Well under SQLite's and PostgreSQL's limits on bound parameters per statement.
const ROWS_PER_INSERT = 200;
const SEQS_PER_DELETE = 500;

export class JobStore {
  constructor(private readonly db: Database) {}

  /** Writes every change in one transaction. */
  save(changes: JobChanges[]): Promise<void> {
    return this.db.transaction(async (tx) => {
      for (const { job, created, updated, added, removed } of changes) {
        if (created) {
          await tx.run(
            `INSERT INTO jobs (id, kind, environment_id, target, status, error, started_at, finished_at,
               started_by_id, started_by_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              job.id,
              job.kind,
              job.environmentId,
              job.target,
              job.status,
              job.error ?? null,
              job.startedAt,
              job.finishedAt ?? null,
              job.startedBy?.userId ?? null,
              job.startedBy?.username ?? null,
            ],
          );
        } else if (updated) {
          await tx.run('UPDATE jobs SET status = ?, error = ?, finished_at = ? WHERE id = ?', [
            job.status,
            job.error ?? null,
            job.finishedAt ?? null,
            job.id,
          ]);
        }
        for (const seqs of chunks(removed, SEQS_PER_DELETE)) {
          await tx.run(`DELETE FROM job_events WHERE job_id = ? AND seq IN (${placeholders(seqs.length)})`, [
            job.id,
            ...seqs,
          ]);
        }
        for (const events of chunks(added, ROWS_PER_INSERT)) {
          await tx.run(
            `INSERT INTO job_events (job_id, seq, at, data) VALUES ${events.map(() => '(?, ?, ?, ?)').join(', ')}`,
            events.flatMap((event) => [job.id, event.seq, event.at, JSON.stringify(event.data ?? null)]),
          );
        }
      }
    });
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
    return row && toJob(row);
  }

  /** Newest first. */
  async list({ environmentId, limit }: { environmentId?: number; limit: number }): Promise<Job[]> {
    const rows =
      environmentId === undefined
        ? await this.db.all<JobRow>('SELECT * FROM jobs ORDER BY started_at DESC, id LIMIT ?', [limit])
        : await this.db.all<JobRow>(
            'SELECT * FROM jobs WHERE environment_id = ? ORDER BY started_at DESC, id LIMIT ?',
            [environmentId, limit],
          );
    return rows.map(toJob);
  }

  /** The replay's events after `afterSeq`, in order. */
  async events(id: string, afterSeq = 0): Promise<JobEvent[]> {
    const rows = await this.db.all<EventRow>(
      'SELECT seq, at, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq',
      [id, afterSeq],
    );
    return rows.map((row) => ({ seq: Number(row.seq), at: row.at, data: JSON.parse(row.data) }));
  }

  /** Jobs an earlier process left running end as interrupted, with `reason`; returns them. */
  interruptRunning(reason: string): Promise<Job[]> {
    return this.db.transaction(async (tx) => {
      const finishedAt = new Date().toISOString();
      const rows = await tx.all<JobRow>("SELECT * FROM jobs WHERE status = 'running'");
      await tx.run(
        "UPDATE jobs SET status = 'interrupted', error = ?, finished_at = ? WHERE status = 'running'",
        [reason, finishedAt],
      );
      return rows.map((row) => ({
        ...toJob(row),
        status: 'interrupted' as const,
        error: reason,
        finishedAt,
      }));
    });
  }

  /** Forgets finished jobs that ended before `before`, and all but the newest `keep` of them. */
  async prune(before: string, keep: number): Promise<number> {
    const kept = await this.db.get<{ finished_at: string }>(
      "SELECT finished_at FROM jobs WHERE status <> 'running' ORDER BY finished_at DESC LIMIT 1 OFFSET ?",
      [Math.max(keep - 1, 0)],
    );
    const cutoff = kept && kept.finished_at > before ? kept.finished_at : before;
    const { changes } = await this.db.run("DELETE FROM jobs WHERE status <> 'running' AND finished_at < ?", [
      cutoff,
    ]);
    return changes;
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    environmentId: Number(row.environment_id),
    target: row.target,
    status: row.status,
    ...(row.error === null ? {} : { error: row.error }),
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.started_by_id === null
      ? {}
      : { startedBy: { userId: Number(row.started_by_id), username: row.started_by_name ?? '' } }),
  };
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
