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

export class ApiTokenStore {
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
    return { secret, token: toToken(row as TokenRow) };
  }

  /** The live token for a secret, its use recorded; undefined when unknown or expired. */
  async resolve(secret: string): Promise<ApiToken | undefined> {
    const row = await this.db.get<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = ?', [
      hashToken(secret),
    ]);
    if (!row || (row.expires_at && Date.parse(row.expires_at) <= Date.now())) return undefined;
    await this.db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [
      new Date().toISOString(),
      row.id,
    ]);
    return toToken(row);
  }

  async listOf(userId: number): Promise<ApiToken[]> {
    return (
      await this.db.all<TokenRow>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC', [
        userId,
      ])
    ).map(toToken);
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
