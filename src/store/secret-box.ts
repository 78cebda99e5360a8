// Secrets at rest: AES-256-GCM with a random 96-bit IV per value. The key comes from
// WINDFLOW_ENCRYPTION_KEY or from a key file made in the data directory at first start.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database.ts';

export const KEY_FILE = 'secret.key';
const FORMAT = 'v1';
const KEY_CHECK_SETTING = 'secret_key_check';
const KEY_CHECK_PLAINTEXT = 'windflow-secret-key-check';

export class SecretKeyError extends Error {}
export class SecretKeyMismatchError extends SecretKeyError {}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretKeyError('the encryption key must be 32 bytes');
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join(':');
  }

  decrypt(sealed: string): string {
    const [format, iv, tag, data] = sealed.split(':');
    if (format !== FORMAT || !iv || !tag || data === undefined)
      throw new SecretKeyError('not a sealed secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyMismatchError(
        'a secret could not be decrypted: wrong encryption key, or the value was altered',
      );
    }
  }
}

/** WINDFLOW_ENCRYPTION_KEY (32 bytes as base64 or hex) or `secret.key` in the data directory. */
export function loadSecretKey(options: { dataDir: string; env: Record<string, string | undefined> }): Buffer {
  const fromEnv = options.env.WINDFLOW_ENCRYPTION_KEY;
  if (fromEnv) return parseKey(fromEnv, 'WINDFLOW_ENCRYPTION_KEY');
  const path = join(options.dataDir, KEY_FILE);
  if (!existsSync(path)) {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } else if (statSync(path).mode & 0o077) {
    throw new SecretKeyError(`${path} is readable by other users: chmod 600 it`);
  }
  return parseKey(readFileSync(path, 'utf8').trim(), path);
}

export function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32 || (!/^[0-9a-f]{64}$/i.test(text) && key.toString('base64') !== text)) {
    throw new SecretKeyError(`${source} must hold 32 bytes as base64 or hex (e.g. openssl rand -base64 32)`);
  }
  return key;
}

/** Records which key the secrets are sealed with (at first start, and after a rotation). */
export async function recordSecretKey(db: Database, box: SecretBox): Promise<void> {
  const sealed = box.encrypt(KEY_CHECK_PLAINTEXT);
  const { changes } = await db.run('UPDATE settings SET value = ? WHERE key = ?', [
    sealed,
    KEY_CHECK_SETTING,
  ]);
  if (changes === 0)
    await db.run('INSERT INTO settings (key, value) VALUES (?, ?)', [KEY_CHECK_SETTING, sealed]);
}

/**
 * The first start records a value sealed with the key; later starts must open it, so that a
 * wrong key stops Windflow before it writes anything sealed with it.
 */
export async function verifySecretKey(db: Database, box: SecretBox): Promise<void> {
  const row = await db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
    KEY_CHECK_SETTING,
  ]);
  if (!row) {
    await recordSecretKey(db, box);
    return;
  }
  let opened: string | undefined;
  try {
    opened = box.decrypt(row.value);
  } catch {
    opened = undefined;
  }
  if (opened !== KEY_CHECK_PLAINTEXT) {
    throw new SecretKeyMismatchError(
      'the encryption key is not the one this database was set up with: restore the original WINDFLOW_ENCRYPTION_KEY or secret.key',
    );
  }
}
