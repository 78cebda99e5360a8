// Schedules kept in the store with their last and next run, so that they survive a restart and
// a run missed while Windflow was down can be made up once.
import type { Database } from './database.ts';
import type { Schedule, ScheduleInput, ScheduleRunStatus } from './records.ts';

interface ScheduleRow {
  id: number;
  kind: string;
  name: string;
  cron: string;
  timezone: string;
  enabled: number;
  environment_id: number | null;
  options: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: ScheduleRunStatus | null;
  last_summary: string | null;
  last_duration_ms: number | null;
  running_since: string | null;
  created_at: string;
  updated_at: string;
}

export type ScheduleChanges = Partial<Omit<ScheduleInput, 'kind'>>;

export class ScheduleStore {
  constructor(private readonly db: Database) {}

  async list(): Promise<Schedule[]> {
    return (await this.db.all<ScheduleRow>('SELECT * FROM schedules ORDER BY name, id')).map(toSchedule);
  }

  async get(id: number): Promise<Schedule | undefined> {
    const row = await this.db.get<ScheduleRow>('SELECT * FROM schedules WHERE id = ?', [id]);
    return row && toSchedule(row);
  }

  async create(input: Required<ScheduleInput>, nextRunAt: string | null): Promise<Schedule> {
    const now = new Date().toISOString();
    const row = await this.db.get<ScheduleRow>(
      `INSERT INTO schedules (kind, name, cron, timezone, enabled, environment_id, options, next_run_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        input.kind,
        input.name,
        input.cron,
        input.timezone,
        input.enabled ? 1 : 0,
        input.environmentId,
        JSON.stringify(input.options),
        nextRunAt,
        now,
        now,
      ],
    );
    return toSchedule(row as ScheduleRow);
  }

  async update(id: number, next: Schedule): Promise<Schedule | undefined> {
    const row = await this.db.get<ScheduleRow>(
      `UPDATE schedules SET name = ?, cron = ?, timezone = ?, enabled = ?, environment_id = ?, options = ?,
         next_run_at = ?, updated_at = ? WHERE id = ? RETURNING *`,
      [
        next.name,
        next.cron,
        next.timezone,
        next.enabled ? 1 : 0,
        next.environmentId,
        JSON.stringify(next.options),
        next.nextRunAt,
        new Date().toISOString(),
        id,
      ],
    );
    return row && toSchedule(row);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM schedules WHERE id = ?', [id])).changes > 0;
  }

  /**
   * Claims the schedule for one run: succeeds only if no run is under way, so two runs of one
   * schedule never overlap, even across Windflow processes sharing a PostgreSQL store.
   */
  async claim(id: number, at: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE schedules SET running_since = ? WHERE id = ? AND running_since IS NULL',
      [at, id],
    );
    return changes > 0;
  }

  async finish(
    id: number,
    run: { startedAt: string; status: ScheduleRunStatus; summary: string; durationMs: number },
    nextRunAt: string | null,
  ): Promise<void> {
    await this.db.run(
      `UPDATE schedules SET running_since = NULL, last_run_at = ?, last_status = ?, last_summary = ?,
         last_duration_ms = ?, next_run_at = ? WHERE id = ?`,
      [run.startedAt, run.status, run.summary.slice(0, 2000), run.durationMs, nextRunAt, id],
    );
  }

  async setNextRun(id: number, nextRunAt: string | null): Promise<void> {
    await this.db.run('UPDATE schedules SET next_run_at = ? WHERE id = ?', [nextRunAt, id]);
  }

  /** Runs a previous process left marked as running (it stopped or crashed mid-run). */
  async releaseInterrupted(): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>(
      'SELECT id FROM schedules WHERE running_since IS NOT NULL',
    );
    await this.db.run(
      `UPDATE schedules SET last_run_at = running_since, last_status = 'interrupted',
         last_summary = 'Windflow stopped during this run', running_since = NULL
       WHERE running_since IS NOT NULL`,
    );
    return rows.map((row) => Number(row.id));
  }
}

function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: Number(row.id),
    kind: row.kind,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    enabled: Boolean(row.enabled),
    environmentId: row.environment_id === null ? null : Number(row.environment_id),
    options: JSON.parse(row.options) as Record<string, unknown>,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastStatus: row.last_status,
    lastSummary: row.last_summary,
    lastDurationMs: row.last_duration_ms === null ? null : Number(row.last_duration_ms),
    runningSince: row.running_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
