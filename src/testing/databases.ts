// Throw-away databases for tests: a SQLite file in a temporary directory, or a fresh PostgreSQL
// database on the test bed's server, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Database, type Dialect, openDatabase } from '../store/database.ts';
import { testbed } from './testbed.ts';

export interface ScratchDatabase {
  db: Database;
  dataDir: string;
  /** A database URL for another connection to the same database (empty for SQLite). */
  url: string;
  drop(): Promise<void>;
}

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export async function scratchDatabase(dialect: Dialect): Promise<ScratchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `windflow-${dialect}-`));
  if (dialect === 'sqlite') {
    const db = await openDatabase({ dataDir });
    return { db, dataDir, url: '', drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const serverUrl = testbed().postgresUrl;
  const name = `windflow_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = serverUrl.replace(/\/[^/]+$/, `/${name}`);
  const db = await openDatabase({ url, dataDir });
  return {
    db,
    dataDir,
    url,
    async drop() {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
