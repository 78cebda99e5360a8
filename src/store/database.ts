// One data-access interface over SQLite (bun:sqlite, the default) and PostgreSQL (`postgres`).
// SQL is written once with `?` placeholders; the PostgreSQL adapter numbers them.
import { join } from 'node:path';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const SQLITE_FILE = 'windflow.db';

export function isPostgresUrl(url: string | undefined): url is string {
  return Boolean(url && /^postgres(ql)?:\/\//.test(url));
}

export async function openDatabase(options: { url?: string; dataDir: string }): Promise<Database> {
  if (isPostgresUrl(options.url)) return openPostgres(options.url);
  return openSqlite(join(options.dataDir, SQLITE_FILE));
}
