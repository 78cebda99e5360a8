import type { Database } from './database.ts';
import { hashToken } from './sessions.ts';

/** One-time MFA recovery codes, stored hashed (they are random, so SHA-256 is enough). */
export class RecoveryCodeStore {
  constructor(private readonly db: Database) {}

  async replace(userId: number, codes: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
      for (const code of codes) {
        await tx.run('INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)', [
          userId,
          hashToken(normalize(code)),
        ]);
      }
    });
  }

  /** Uses up a code; false when it is unknown or was used before. */
  async redeem(userId: number, code: string): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL',
      [new Date().toISOString(), userId, hashToken(normalize(code))],
    );
    return changes > 0;
  }

  async remaining(userId: number): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL',
      [userId],
    );
    return Number(row?.n ?? 0);
  }
}

const normalize = (code: string) => code.trim().toUpperCase().replaceAll(' ', '');
