// API tokens for scripts and CI: shown once at creation, stored as SHA-256, scoped and expiring.
import type { TokenGrant } from '../auth/permissions.ts';
import type { Database } from './database.ts';
import type { ApiToken } from './records.ts';
import { hashToken, randomToken } from './sessions.ts';

interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  scope: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export const TOKEN_PREFIX = 'wf_';

// A token's last use is written at most once a minute, and the uses noted within a few seconds go
// in one transaction: a script calling the API in a loop must not turn every call into a write.
const NOTE_USE_EVERY_MS = 60_000;
const WRITE_USES_AFTER_MS = 5_000;

export class ApiTokenStore {
  /** Token id -> last use not written yet. */
  private readonly unwrittenUses = new Map<number, string>();
  /** Token id -> when its last use was written or queued. */
  private readonly notedAt = new Map<number, number>();
  private writeTimer: Timer | undefined;

  constructor(private readonly db: Database) {}

  async create(userId: number, input: { name: string; scope: TokenGrant[]; expiresAt: string | null }) {
    const secret = `${TOKEN_PREFIX}${randomToken()}`;
    const row = await this.db.get<TokenRow>(
      `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        userId,
        input.name,
        hashToken(secret),
        secret.slice(0, 10),
        JSON.stringify(input.scope),
        input.expiresAt,
        new Date().toISOString(),
      ],
    );
    return { secret, token: this.toToken(row as TokenRow) };
  }

  /** The live token for a secret, its use noted; undefined when unknown or expired. */
  async resolve(secret: string): Promise<ApiToken | undefined> {
    const row = await this.db.get<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?', [
      hashToken(secret),
    ]);
    if (!row || (row.expires_at && Date.parse(row.expires_at) <= Date.now())) return undefined;
    this.noteUse(row);
    return this.toToken(row);
  }

  async listOf(userId: number): Promise<ApiToken[]> {
    return (
      await this.db.all<TokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC', [
        userId,
      ])
    ).map((row) => this.toToken(row));
  }

  /** Writes the uses noted so far, in one transaction (also before the store closes). */
  async flush(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    if (this.unwrittenUses.size === 0) return;
    const uses = [...this.unwrittenUses];
    this.unwrittenUses.clear();
    await this.db.transaction(async (tx) => {
      for (const [id, at] of uses)
        await tx.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, id]);
    });
  }

  private noteUse(row: TokenRow): void {
    const id = Number(row.id);
    const now = Date.now();
    const last = Math.max(this.notedAt.get(id) ?? 0, row.last_used_at ? Date.parse(row.last_used_at) : 0);
    if (now - last < NOTE_USE_EVERY_MS) return;
    this.notedAt.set(id, now);
    this.unwrittenUses.set(id, new Date(now).toISOString());
    // A last-used time lost to a failing write is harmless; the next use notes it again.
    this.writeTimer ??= setTimeout(() => this.flush().catch(() => undefined), WRITE_USES_AFTER_MS);
    this.writeTimer.unref?.();
  }

  private toToken(row: TokenRow): ApiToken {
    const token = toToken(row);
    return { ...token, lastUsedAt: this.unwrittenUses.get(token.id) ?? token.lastUsedAt };
  }

  /** Ends every token of a user: their password was reset by an admin, or they were disabled. */
  async revokeAllOf(userId: number): Promise<number> {
    return (await this.db.run('DELETE FROM api_tokens WHERE user_id = ?', [userId])).changes;
  }

  async revoke(id: number, userId: number): Promise<boolean> {
    return (
      (await this.db.run('DELETE FROM api_tokens WHERE id = ? AND user_id = ?', [id, userId])).changes > 0
    );
  }
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    prefix: row.prefix,
    scope: JSON.parse(row.scope) as TokenGrant[],
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}
