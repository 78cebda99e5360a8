// Re-seals every secret with a new key in one transaction: either all of them move to the new
// key, or (on any failure) none does.
import type { Database } from './database.ts';
import { SEALED_COLUMNS } from './sealed-columns.ts';
import { recordSecretKey, type SecretBox } from './secret-box.ts';

export async function rotateSecretKey(
  db: Database,
  from: SecretBox,
  to: SecretBox,
): Promise<{ resealed: number }> {
  return db.transaction(async (tx) => {
    let resealed = 0;
    for (const { table, key, columns } of SEALED_COLUMNS) {
      const rows = await tx.all<Record<string, string | number | null>>(
        `SELECT ${[key, ...columns].join(', ')} FROM ${table}`,
      );
      for (const row of rows) {
        const sealed = columns.filter((column) => row[column]);
        if (sealed.length === 0) continue;
        const values = sealed.map((column) => to.encrypt(from.decrypt(String(row[column]))));
        await tx.run(
          `UPDATE ${table} SET ${sealed.map((column) => `${column} = ?`).join(', ')} WHERE ${key} = ?`,
          [...values, row[key]],
        );
        resealed += sealed.length;
      }
    }
    await recordSecretKey(tx, to);
    return { resealed };
  });
}
