// Notification channels and their delivery log. A channel's secret settings (tokens, passwords,
// signing keys) are sealed together with the secret box and never leave through a read.
import type { Database } from './database.ts';
import type {
  DeliveryStatus,
  NotificationChannel,
  NotificationChannelInput,
  NotificationDelivery,
  QuietHours,
} from './records.ts';
import type { SecretBox } from './secret-box.ts';

export class ChannelNameTakenError extends Error {
  constructor(name: string) {
    super(`A notification channel named "${name}" already exists`);
  }
}

interface ChannelRow {
  id: number;
  name: string;
  kind: string;
  enabled: number;
  settings: string;
  secrets: string | null;
  events: string;
  min_severity: string;
  digest: number;
  quiet_hours: string | null;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: number;
  channel_id: number;
  channel_name: string;
  event: string;
  severity: string;
  title: string;
  message: string;
  event_count: number;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  not_before: string | null;
  created_at: string;
  finished_at: string | null;
}

export type CompleteChannelInput = Required<Omit<NotificationChannelInput, 'secrets'>> & {
  secrets: Record<string, string>;
};

export class NotificationChannelStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<NotificationChannel[]> {
    return (await this.db.all<ChannelRow>('SELECT * FROM notification_channels ORDER BY name')).map((row) =>
      this.toChannel(row),
    );
  }

  async get(id: number): Promise<NotificationChannel | undefined> {
    const row = await this.db.get<ChannelRow>('SELECT * FROM notification_channels WHERE id = ?', [id]);
    return row && this.toChannel(row);
  }

  /** The opened secrets, for sending only: never send them to a client. */
  async secrets(id: number): Promise<Record<string, string>> {
    const row = await this.db.get<ChannelRow>('SELECT secrets FROM notification_channels WHERE id = ?', [id]);
    return this.open(row?.secrets ?? null);
  }

  create(input: CompleteChannelInput): Promise<NotificationChannel> {
    return this.db.transaction(async (tx) => {
      await assertNameFree(tx, input.name);
      const now = new Date().toISOString();
      const row = await tx.get<ChannelRow>(
        `INSERT INTO notification_channels (name, kind, enabled, settings, secrets, events, min_severity, digest, quiet_hours, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          input.name,
          input.kind,
          input.enabled ? 1 : 0,
          JSON.stringify(input.settings),
          this.seal(input.secrets),
          JSON.stringify(input.events),
          input.minSeverity,
          input.digest ? 1 : 0,
          input.quietHours ? JSON.stringify(input.quietHours) : null,
          now,
          now,
        ],
      );
      return this.toChannel(row as ChannelRow);
    });
  }

  /** Replaces the channel's fields with `next` (secrets: the full, merged set). */
  update(id: number, next: CompleteChannelInput): Promise<NotificationChannel | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await tx.get<ChannelRow>('SELECT name FROM notification_channels WHERE id = ?', [id]);
      if (!current) return undefined;
      if (current.name !== next.name) await assertNameFree(tx, next.name);
      const row = await tx.get<ChannelRow>(
        `UPDATE notification_channels SET name = ?, enabled = ?, settings = ?, secrets = ?, events = ?,
           min_severity = ?, digest = ?, quiet_hours = ?, updated_at = ? WHERE id = ? RETURNING *`,
        [
          next.name,
          next.enabled ? 1 : 0,
          JSON.stringify(next.settings),
          this.seal(next.secrets),
          JSON.stringify(next.events),
          next.minSeverity,
          next.digest ? 1 : 0,
          next.quietHours ? JSON.stringify(next.quietHours) : null,
          new Date().toISOString(),
          id,
        ],
      );
      return row && this.toChannel(row);
    });
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM notification_channels WHERE id = ?', [id])).changes > 0;
  }

  async addDelivery(entry: {
    channelId: number;
    event: string;
    severity: string;
    title: string;
    message: string;
    eventCount: number;
    status: DeliveryStatus;
    notBefore?: string;
  }): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO notification_deliveries (channel_id, event, severity, title, message, event_count, status, not_before, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        entry.channelId,
        entry.event,
        entry.severity,
        entry.title.slice(0, 500),
        entry.message.slice(0, 20_000),
        entry.eventCount,
        entry.status,
        entry.notBefore ?? null,
        new Date().toISOString(),
      ],
    );
    return Number(row?.id);
  }

  async updateDelivery(
    id: number,
    change: {
      status: DeliveryStatus;
      attempts: number;
      lastError?: string | null;
      notBefore?: string | null;
    },
  ): Promise<void> {
    const done = change.status === 'sent' || change.status === 'failed';
    await this.db.run(
      `UPDATE notification_deliveries SET status = ?, attempts = ?, last_error = ?, not_before = ?, finished_at = ?
       WHERE id = ?`,
      [
        change.status,
        change.attempts,
        change.lastError?.slice(0, 2000) ?? null,
        change.notBefore ?? null,
        done ? new Date().toISOString() : null,
        id,
      ],
    );
  }

  /** Newest first. */
  async deliveries(
    options: { channelId?: number; limit?: number; beforeId?: number } = {},
  ): Promise<NotificationDelivery[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.channelId) {
      where.push('d.channel_id = ?');
      params.push(options.channelId);
    }
    if (options.beforeId) {
      where.push('d.id < ?');
      params.push(options.beforeId);
    }
    params.push(options.limit ?? 100);
    const rows = await this.db.all<DeliveryRow>(
      `SELECT d.*, c.name AS channel_name FROM notification_deliveries d
       JOIN notification_channels c ON c.id = d.channel_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id DESC LIMIT ?`,
      params,
    );
    return rows.map(toDelivery);
  }

  /** Deliveries that must still go: held ones, and those a stop cut short. */
  async unfinished(): Promise<NotificationDelivery[]> {
    const rows = await this.db.all<DeliveryRow>(
      `SELECT d.*, c.name AS channel_name FROM notification_deliveries d
       JOIN notification_channels c ON c.id = d.channel_id
       WHERE d.status IN ('held', 'pending', 'retrying') ORDER BY d.id`,
    );
    return rows.map(toDelivery);
  }

  async purgeDeliveriesBefore(date: Date): Promise<number> {
    return (
      await this.db.run(
        "DELETE FROM notification_deliveries WHERE created_at < ? AND status IN ('sent', 'failed')",
        [date.toISOString()],
      )
    ).changes;
  }

  private seal(secrets: Record<string, string>): string | null {
    const kept = Object.fromEntries(Object.entries(secrets).filter(([, value]) => value !== ''));
    return Object.keys(kept).length ? this.box.encrypt(JSON.stringify(kept)) : null;
  }

  private open(sealed: string | null): Record<string, string> {
    return sealed ? (JSON.parse(this.box.decrypt(sealed)) as Record<string, string>) : {};
  }

  private toChannel(row: ChannelRow): NotificationChannel {
    return {
      id: Number(row.id),
      name: row.name,
      kind: row.kind,
      enabled: Boolean(row.enabled),
      settings: JSON.parse(row.settings) as Record<string, string>,
      secretsSet: Object.keys(this.open(row.secrets)).sort(),
      events: JSON.parse(row.events) as string[],
      minSeverity: row.min_severity,
      digest: Boolean(row.digest),
      quietHours: row.quiet_hours ? (JSON.parse(row.quiet_hours) as QuietHours) : null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

async function assertNameFree(db: Database, name: string): Promise<void> {
  if (await db.get('SELECT id FROM notification_channels WHERE name = ?', [name]))
    throw new ChannelNameTakenError(name);
}

function toDelivery(row: DeliveryRow): NotificationDelivery {
  return {
    id: Number(row.id),
    channelId: Number(row.channel_id),
    channelName: row.channel_name,
    event: row.event,
    severity: row.severity,
    title: row.title,
    message: row.message,
    eventCount: Number(row.event_count),
    status: row.status,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    notBefore: row.not_before,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
