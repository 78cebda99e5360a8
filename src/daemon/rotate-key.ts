// `windflow rotate-key`: re-seal every secret with a new key. The new key comes from
// WINDFLOW_NEW_ENCRYPTION_KEY, or is generated when the current one lives in the key file.
// The new key file is written before the database changes and moved into place after, so
// no outcome leaves secrets sealed with a key that is nowhere.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rotateSecretKey } from '../store/key-rotation.ts';
import { KEY_FILE, parseKey, SecretBox, SecretKeyError } from '../store/secret-box.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openStore } from './store.ts';

export async function rotateKey(
  config: Config,
  logger: Logger,
  env: Record<string, string | undefined>,
): Promise<void> {
  const keyFromEnv = Boolean(env.WINDFLOW_ENCRYPTION_KEY);
  const given = env.WINDFLOW_NEW_ENCRYPTION_KEY;
  if (keyFromEnv && !given) {
    throw new SecretKeyError(
      'the key comes from WINDFLOW_ENCRYPTION_KEY: give the new one in WINDFLOW_NEW_ENCRYPTION_KEY',
    );
  }
  const newKey = given ? parseKey(given, 'WINDFLOW_NEW_ENCRYPTION_KEY') : randomBytes(32);
  const keyFile = join(config.dataDir, KEY_FILE);
  const nextKeyFile = `${keyFile}.next`;
  if (!keyFromEnv) writeFileSync(nextKeyFile, `${newKey.toString('base64')}\n`, { mode: 0o600 });

  const store = await openStore(config, logger);
  try {
    const { resealed } = await rotateSecretKey(store.db, store.secrets, new SecretBox(newKey));
    if (!keyFromEnv) renameSync(nextKeyFile, keyFile);
    logger.info('re-sealed every secret with the new key', { resealed });
    if (keyFromEnv)
      logger.warn(
        'now set WINDFLOW_ENCRYPTION_KEY to the value of WINDFLOW_NEW_ENCRYPTION_KEY before the next start',
      );
  } catch (error) {
    if (!keyFromEnv) rmSync(nextKeyFile, { force: true });
    throw error;
  } finally {
    await store.db.close();
  }
}
