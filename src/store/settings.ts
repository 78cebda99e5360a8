// Instance-wide settings an admin changes in the UI, and this installation's id, kept in the
// settings table.
import { randomUUID } from 'node:crypto';
import type { ScanSettings } from '../docker/views.ts';
import type { Database } from './database.ts';
import type { SecuritySettings } from './records.ts';

export const DEFAULT_SECURITY_SETTINGS: SecuritySettings = { mfaRequired: 'off', auditRetentionDays: 365 };
export const DEFAULT_SCAN_SETTINGS: ScanSettings = {
  scanner: 'grype',
  grypeImage: 'anchore/grype:latest',
  trivyImage: 'aquasec/trivy:latest',
};
const SECURITY_KEY = 'security';
const SCANNING_KEY = 'scanning';
const INSTALLATION_ID_KEY = 'installation-id';

export class SettingsStore {
  constructor(private readonly db: Database) {}

  security(): Promise<SecuritySettings> {
    return this.read(SECURITY_KEY, DEFAULT_SECURITY_SETTINGS);
  }

  /** Which scanner scans for schedules and update gates, and the scanners' images. */
  scanning(): Promise<ScanSettings> {
    return this.read(SCANNING_KEY, DEFAULT_SCAN_SETTINGS);
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
    return this.write(SECURITY_KEY, { ...(await this.security()), ...patch });
  }

  async setScanning(patch: Partial<ScanSettings>): Promise<ScanSettings> {
    return this.write(SCANNING_KEY, { ...(await this.scanning()), ...patch });
  }

  private async read<T extends object>(key: string, defaults: T): Promise<T> {
    const row = await this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return { ...defaults, ...(row ? (JSON.parse(row.value) as Partial<T>) : {}) };
  }

  private async write<T>(key: string, next: T): Promise<T> {
    const value = JSON.stringify(next);
    const { changes } = await this.db.run('UPDATE settings SET value = ? WHERE key = ?', [value, key]);
    if (changes === 0) await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?)', [key, value]);
    return next;
  }
}
