// Applies the migrations in version order, each in its own transaction, and records them so
// none runs twice. On PostgreSQL an advisory lock lets several Windflow processes start at once.
import type { Database } from './database.ts';
import { MIGRATIONS, type Migration } from './migration-files.ts';

// Any fixed number works; it only has to be the same for every Windflow process.
const MIGRATION_LOCK = 7_246_101;

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

export async function pendingMigrations(db: Database): Promise<Migration[]> {
  await db.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.run(CREATE_LEDGER);
  });
  const applied = new Set(
    (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((row) =>
      Number(row.version),
    ),
  );
  return MIGRATIONS[db.dialect].filter((migration) => !applied.has(migration.version));
}

/** Applies what is pending; returns the names of the migrations it applied. */
export async function migrate(db: Database): Promise<{ applied: string[] }> {
  const applied: string[] = [];
  for (const migration of await pendingMigrations(db)) {
    const ran = await db.transaction(async (tx) => {
      await lockMigrations(tx);
      // Another process may have applied it while this one waited for the lock.
      if (await tx.get('SELECT 1 AS done FROM schema_migrations WHERE version = ?', [migration.version]))
        return false;
      await runScript(tx, migration.sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (ran) applied.push(migration.name);
  }
  return { applied };
}

/** Held until the transaction ends; SQLite's BEGIN IMMEDIATE already serializes writers. */
async function lockMigrations(tx: Database): Promise<void> {
  if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
}

/** Migration files hold several statements separated by `;` at the end of a line. */
async function runScript(tx: Database, script: string): Promise<void> {
  for (const statement of script.split(/;\s*$/m)) {
    if (statement.trim()) await tx.run(statement);
  }
}
