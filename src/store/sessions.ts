// Server-side sessions. The browser holds a random token; the store keeps only its SHA-256, so
// a leaked database does not hand out live sessions.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './database.ts';
import type { Session } from './records.ts';

export interface SessionLifetimes {
  /** Ends a session nobody used for this long. */
  idleMs: number;
  /** Ends every session this long after login. */
  absoluteMs: number;
}

interface SessionRow {
  id: string;
  user_id: number;
  csrf_token: string;
  mfa_pending: number | boolean;
  source_ip: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

// Writing last_seen_at on every request would turn reads into writes; a minute is precise enough.
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const randomToken = () => randomBytes(32).toString('base64url');

export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly lifetimes: SessionLifetimes,
  ) {}

  async create(userId: number, context: { sourceIp: string; userAgent: string; mfaPending: boolean }) {
    const token = randomToken();
    const at = new Date();
    const row = await this.db.get<SessionRow>(
      `INSERT INTO sessions (id, user_id, csrf_token, mfa_pending, source_ip, user_agent, created_at, last_seen_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        hashToken(token),
        userId,
        randomToken(),
        Number(context.mfaPending),
        context.sourceIp,
        context.userAgent.slice(0, 256),
        at.toISOString(),
        at.toISOString(),
        new Date(at.getTime() + this.lifetimes.absoluteMs).toISOString(),
      ],
    );
    return { token, session: toSession(row as SessionRow) };
  }

  /** The live session for a token, touched; undefined when unknown, idle too long or expired. */
  async resolve(token: string): Promise<Session | undefined> {
    const row = await this.db.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', [hashToken(token)]);
    if (!row) return undefined;
    const nowMs = Date.now();
    if (
      Date.parse(row.expires_at) <= nowMs ||
      Date.parse(row.last_seen_at) + this.lifetimes.idleMs <= nowMs
    ) {
      await this.db.run('DELETE FROM sessions WHERE id = ?', [row.id]);
      return undefined;
    }
    if (nowMs - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
      row.last_seen_at = new Date(nowMs).toISOString();
      await this.db.run('UPDATE sessions SET last_seen_at = ? WHERE id = ?', [row.last_seen_at, row.id]);
    }
    return toSession(row);
  }

  async completeMfa(id: string): Promise<void> {
    await this.db.run('UPDATE sessions SET mfa_pending = 0 WHERE id = ?', [id]);
  }

  async listOf(userId: number): Promise<Session[]> {
    return (
      await this.db.all<SessionRow>('SELECT * FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC', [
        userId,
      ])
    ).map(toSession);
  }

  async remove(id: string, userId?: number): Promise<boolean> {
    const { changes } =
      userId === undefined
        ? await this.db.run('DELETE FROM sessions WHERE id = ?', [id])
        : await this.db.run('DELETE FROM sessions WHERE id = ? AND user_id = ?', [id, userId]);
    return changes > 0;
  }

  async removeAllOf(userId: number): Promise<number> {
    return (await this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId])).changes;
  }
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: Number(row.user_id),
    csrfToken: row.csrf_token,
    mfaPending: Boolean(Number(row.mfa_pending)),
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}
