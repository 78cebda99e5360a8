// The Engine's events of every environment, kept for the events history: what happened to which
// container, image, network or volume, searchable by container, stack, type and action.
import type { EngineEventRecord } from '../docker/views.ts';
import type { Database } from './database.ts';

export type { EngineEventRecord };

export type NewEngineEvent = Omit<EngineEventRecord, 'id'>;

export interface EngineEventQuery {
  /** Omitted: every environment in `environmentIds`. */
  environmentIds: number[];
  type?: string;
  action?: string;
  /** A container's name or id (prefix). */
  container?: string;
  stack?: string;
  /** Matched against name, action and attributes. */
  text?: string;
  /** Milliseconds: only events before this one (paging back). */
  before?: number;
  limit?: number;
}

interface EventRow {
  id: number | string;
  environment_id: number;
  at: number | string;
  type: string;
  action: string;
  actor_id: string;
  name: string | null;
  stack: string | null;
  service: string | null;
  attributes: string;
}

const INSERT_BATCH = 200;

export class EngineEventStore {
  constructor(private readonly db: Database) {}

  /** Returns the events as kept, with their ids: what the history will show (for live views). */
  async add(events: NewEngineEvent[]): Promise<EngineEventRecord[]> {
    const kept: EngineEventRecord[] = [];
    for (let start = 0; start < events.length; start += INSERT_BATCH) {
      const batch = events.slice(start, start + INSERT_BATCH);
      const rows = await this.db.all<EventRow>(
        `INSERT INTO engine_events (environment_id, at, type, action, actor_id, name, stack, service, attributes)
         VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} RETURNING *`,
        batch.flatMap((event) => [
          event.environmentId,
          event.at,
          event.type,
          event.action,
          event.actorId,
          event.name,
          event.stack,
          event.service,
          JSON.stringify(event.attributes),
        ]),
      );
      // RETURNING promises no order: the id (given in insertion order) restores it.
      kept.push(...rows.map(toRecord).sort((a, b) => a.id - b.id));
    }
    return kept;
  }

  /** The time of the newest event kept for an environment (to resume after a restart). */
  async newest(environmentId: number): Promise<number | undefined> {
    const row = await this.db.get<{ at: number | string | null }>(
      'SELECT MAX(at) AS at FROM engine_events WHERE environment_id = ?',
      [environmentId],
    );
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  /** Newest first. */
  async search(query: EngineEventQuery): Promise<EngineEventRecord[]> {
    if (query.environmentIds.length === 0) return [];
    const conditions = [`environment_id IN (${query.environmentIds.map(() => '?').join(', ')})`];
    const params: unknown[] = [...query.environmentIds];
    const where = (condition: string, ...values: unknown[]) => {
      conditions.push(condition);
      params.push(...values);
    };
    if (query.type) where('type = ?', query.type);
    if (query.action) where('action = ?', query.action);
    if (query.container)
      where("type = 'container' AND (name = ? OR actor_id LIKE ?)", query.container, `${query.container}%`);
    if (query.stack) where('stack = ?', query.stack);
    if (query.text) {
      const like = `%${query.text.toLowerCase()}%`;
      where('(LOWER(name) LIKE ? OR LOWER(action) LIKE ? OR LOWER(attributes) LIKE ?)', like, like, like);
    }
    if (query.before !== undefined) where('at < ?', query.before);
    const rows = await this.db.all<EventRow>(
      `SELECT * FROM engine_events WHERE ${conditions.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`,
      [...params, query.limit ?? 100],
    );
    return rows.map(toRecord);
  }

  async purgeOlderThan(days: number, now = Date.now()): Promise<number> {
    return (await this.db.run('DELETE FROM engine_events WHERE at < ?', [now - days * 86_400_000])).changes;
  }
}

/** The filters of a query that say which events, not which page or which environments. */
export type EngineEventFilters = Omit<EngineEventQuery, 'environmentIds' | 'before' | 'limit'>;

/**
 * Whether an event passes a query's filters as `search` would decide (type, action, container,
 * stack, text): for live views, which see events one by one and check environments themselves.
 */
export function matchesFilters(event: EngineEventRecord, query: EngineEventFilters): boolean {
  if (query.type && event.type !== query.type) return false;
  if (query.action && event.action !== query.action) return false;
  if (
    query.container &&
    !(
      event.type === 'container' &&
      (event.name === query.container ||
        event.actorId.toLowerCase().startsWith(query.container.toLowerCase()))
    )
  )
    return false;
  if (query.stack && event.stack !== query.stack) return false;
  if (query.text) {
    const text = query.text.toLowerCase();
    const within = (value: string | null) => value?.toLowerCase().includes(text) ?? false;
    if (!within(event.name) && !within(event.action) && !within(JSON.stringify(event.attributes)))
      return false;
  }
  return true;
}

function toRecord(row: EventRow): EngineEventRecord {
  return {
    id: Number(row.id),
    environmentId: Number(row.environment_id),
    at: Number(row.at),
    type: row.type,
    action: row.action,
    actorId: row.actor_id,
    name: row.name,
    stack: row.stack,
    service: row.service,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
  };
}
