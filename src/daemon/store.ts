// Opens the store the way every command needs it: data directory, database, migrations applied,
// and the secret key checked against the one the database was first used with.
import { mkdirSync } from 'node:fs';
import type { Database } from '../store/database.ts';
import { openDatabase } from '../store/database.ts';
import { migrate } from '../store/migrate.ts';
import { MIGRATIONS } from '../store/migration-files.ts';
import { loadSecretKey, SecretBox, verifySecretKey } from '../store/secret-box.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export interface OpenStore {
  db: Database;
  secrets: SecretBox;
  /** True when this start created the schema: a brand-new installation. */
  firstStart: boolean;
}

export async function openStore(config: Config, logger: Logger): Promise<OpenStore> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase({ url: config.databaseUrl || undefined, dataDir: config.dataDir });
  try {
    const { applied } = await migrate(db);
    if (applied.length > 0) logger.info('applied database migrations', { applied });
    const secrets = new SecretBox(await loadSecretKey({ dataDir: config.dataDir, env: process.env }));
    await verifySecretKey(db, secrets);
    return { db, secrets, firstStart: applied.includes(MIGRATIONS[db.dialect][0]?.name ?? '') };
  } catch (error) {
    await db.close();
    throw error;
  }
}
