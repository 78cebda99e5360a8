// The audit log: who did what, from where, on which environment and target, and how it ended.
import type { Database } from './database.ts';
import type { AuditEntry } from './records.ts';

export type AuditRecord = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditQuery {
  /** Matched against user name, action, target and detail. */
  text?: string;
  username?: string;
  action?: string;
  outcome?: AuditEntry['outcome'];
  environmentId?: number;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

interface AuditRow {
  id: number;
  at: string;
  user_id: number | null;
  username: string;
  source_ip: string;
  environment_id: number | null;
  action: string;
  target: string;
  outcome: AuditEntry['outcome'];
  status: number;
  detail: string;
}

export class AuditLog {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly db: Database) {}

  /** Resolves once every entry recorded so far is written (before closing the database). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  record(entry: AuditRecord): Promise<void> {
    const write = this.write(entry);
    this.pending.add(write);
    return write.finally(() => this.pending.delete(write));
  }

  private async write(entry: AuditRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO audit_log (at, user_id, username, source_ip, environment_id, action, target, outcome, status, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        new Date().toISOString(),
        entry.userId,
        entry.username,
        entry.sourceIp,
        entry.environmentId,
        entry.action,
        entry.target,
        entry.outcome,
        entry.status,
        entry.detail,
      ],
    );
  }

  async search(query: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: string, ...values: unknown[]) => {
      conditions.push(condition);
      params.push(...values);
    };
    if (query.text) {
      const like = `%${query.text.toLowerCase()}%`;
      where(
        '(LOWER(username) LIKE ? OR LOWER(action) LIKE ? OR LOWER(target) LIKE ? OR LOWER(detail) LIKE ?)',
        like,
        like,
        like,
        like,
      );
    }
    if (query.username) where('username = ?', query.username);
    if (query.action) where('action = ?', query.action);
    if (query.outcome) where('outcome = ?', query.outcome);
    if (query.environmentId !== undefined) where('environment_id = ?', query.environmentId);
    if (query.from) where('at >= ?', query.from);
    if (query.to) where('at <= ?', query.to);
    const clause = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const total = Number(
      (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log ${clause}`, params))?.n ?? 0,
    );
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`,
      [...params, query.limit ?? 100, query.offset ?? 0],
    );
    return { entries: rows.map(toEntry), total };
  }

  async purgeOlderThan(cutoff: Date): Promise<number> {
    return (await this.db.run('DELETE FROM audit_log WHERE at < ?', [cutoff.toISOString()])).changes;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    userId: row.user_id === null ? null : Number(row.user_id),
    username: row.username,
    sourceIp: row.source_ip,
    environmentId: row.environment_id === null ? null : Number(row.environment_id),
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    status: Number(row.status),
    detail: row.detail,
  };
}
