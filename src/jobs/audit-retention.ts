// Deletes audit entries past the retention setting: at start-up and every night.
import { Cron } from 'croner';
import type { Logger } from '../daemon/logger.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { SettingsStore } from '../store/settings.ts';

export async function purgeExpiredAuditEntries(audit: AuditLog, settings: SettingsStore): Promise<number> {
  const { auditRetentionDays } = await settings.security();
  return audit.purgeOlderThan(new Date(Date.now() - auditRetentionDays * 86_400_000));
}

export function scheduleAuditRetention(audit: AuditLog, settings: SettingsStore, logger: Logger): Cron {
  const run = async () => {
    try {
      const purged = await purgeExpiredAuditEntries(audit, settings);
      if (purged > 0) logger.info('purged old audit entries', { purged });
    } catch (error) {
      logger.error('audit retention failed', { error });
    }
  };
  void run();
  return new Cron('17 3 * * *', run);
}
