// Instance-wide settings an admin changes in the UI, and this installation's id, kept in the
// settings table.
import { randomUUID } from 'node:crypto';
import type { Database } from './database.ts';
import type { SecuritySettings } from './records.ts';

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = { mfaRequired: 'off', auditRetentionDays: 365 };
const SECURITY_KEY = 'security';
const INSTALLATION_ID_KEY = 'installation-id';

export class SettingsStore {
  constructor(private readonly db: Database) {}

  async security(): Promise<SecuritySettings> {
    const row = await this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      SECURITY_KEY,
    ]);
    return {
      ...DEFAULT_SECURITY_SETTINGS,
      ...(row ? (JSON.parse(row.value) as Partial<SecuritySettings>) : {}),
    };
  }

  /** A random id made at the first call and kept: tells this installation's resources apart. */
  async installationId(): Promise<string> {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
      INSTALLATION_ID_KEY,
      randomUUID(),
    ]);
    const row = await this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      INSTALLATION_ID_KEY,
    ]);
    if (!row) throw new Error('the installation id could not be stored');
    return row.value;
  }

  async setSecurity(patch: Partial<SecuritySettings>): Promise<SecuritySettings> {
    const next = { ...(await this.security()), ...patch };
    const value = JSON.stringify(next);
    const { changes } = await this.db.run('UPDATE settings SET value = ? WHERE key = ?', [
      value,
      SECURITY_KEY,
    ]);
    if (changes === 0)
      await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?)', [SECURITY_KEY, value]);
    return next;
  }
}
