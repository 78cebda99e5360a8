// What update checks found (one row per environment and image reference, replaced by each
// check) and every update Windflow made or refused, with its outcome.
import type { NewerTag, UpdateOutcome, UpdateRun, UpdateStatus } from '../docker/views.ts';
import type { Database } from './database.ts';

export interface ImageCheck {
  image: string;
  localDigest: string | null;
  remoteDigest: string | null;
  status: UpdateStatus;
  newerTags: NewerTag[];
  error: string | null;
  checkedAt: string;
}

interface CheckRow {
  image: string;
  local_digest: string | null;
  remote_digest: string | null;
  status: UpdateStatus;
  newer_tags: string;
  error: string | null;
  checked_at: string;
}

interface RunRow {
  id: number;
  environment_id: number;
  schedule_id: number | null;
  container: string;
  from_image: string;
  to_image: string;
  from_digest: string | null;
  to_digest: string | null;
  scan_verdict: string | null;
  outcome: UpdateOutcome;
  detail: string;
  started_by: string;
  started_at: string;
  finished_at: string | null;
}

export type NewUpdateRun = Omit<UpdateRun, 'id' | 'finishedAt'>;

export class UpdateStore {
  constructor(private readonly db: Database) {}

  async checks(environmentId: number): Promise<Map<string, ImageCheck>> {
    const rows = await this.db.all<CheckRow>('SELECT * FROM update_checks WHERE environment_id = ?', [
      environmentId,
    ]);
    return new Map(rows.map((row) => [row.image, toCheck(row)]));
  }

  async saveCheck(environmentId: number, check: ImageCheck): Promise<void> {
    await this.db.run(
      `INSERT INTO update_checks (environment_id, image, local_digest, remote_digest, status, newer_tags, error, checked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (environment_id, image) DO UPDATE SET local_digest = excluded.local_digest,
         remote_digest = excluded.remote_digest, status = excluded.status, newer_tags = excluded.newer_tags,
         error = excluded.error, checked_at = excluded.checked_at`,
      [
        environmentId,
        check.image,
        check.localDigest,
        check.remoteDigest,
        check.status,
        JSON.stringify(check.newerTags),
        check.error,
        check.checkedAt,
      ],
    );
  }

  async addRun(run: NewUpdateRun & { finished?: boolean }): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO update_runs (environment_id, schedule_id, container, from_image, to_image, from_digest, to_digest,
         scan_verdict, outcome, detail, started_by, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        run.environmentId,
        run.scheduleId,
        run.container,
        run.fromImage,
        run.toImage,
        run.fromDigest,
        run.toDigest,
        run.scanVerdict,
        run.outcome,
        run.detail.slice(0, 4000),
        run.startedBy,
        run.startedAt,
        new Date().toISOString(),
      ],
    );
    return Number(row?.id);
  }

  /** Newest first. */
  async runs(environmentId: number, limit = 100): Promise<UpdateRun[]> {
    const rows = await this.db.all<RunRow>(
      'SELECT * FROM update_runs WHERE environment_id = ? ORDER BY id DESC LIMIT ?',
      [environmentId, limit],
    );
    return rows.map(toRun);
  }

  /** Digests an update of this container already rolled back from: not tried again. */
  async rolledBackDigests(environmentId: number, container: string): Promise<Set<string>> {
    const rows = await this.db.all<{ to_digest: string | null }>(
      "SELECT to_digest FROM update_runs WHERE environment_id = ? AND container = ? AND outcome = 'rolled-back'",
      [environmentId, container],
    );
    return new Set(rows.flatMap((row) => (row.to_digest ? [row.to_digest] : [])));
  }
}

function toCheck(row: CheckRow): ImageCheck {
  return {
    image: row.image,
    localDigest: row.local_digest,
    remoteDigest: row.remote_digest,
    status: row.status,
    newerTags: JSON.parse(row.newer_tags) as NewerTag[],
    error: row.error,
    checkedAt: row.checked_at,
  };
}

function toRun(row: RunRow): UpdateRun {
  return {
    id: Number(row.id),
    environmentId: Number(row.environment_id),
    scheduleId: row.schedule_id === null ? null : Number(row.schedule_id),
    container: row.container,
    fromImage: row.from_image,
    toImage: row.to_image,
    fromDigest: row.from_digest,
    toDigest: row.to_digest,
    scanVerdict: row.scan_verdict,
    outcome: row.outcome,
    detail: row.detail,
    startedBy: row.started_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
