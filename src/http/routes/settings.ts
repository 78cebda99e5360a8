import { Elysia, t } from 'elysia';
import { SCANNERS } from '../../docker/views.ts';
import type { SettingsStore } from '../../store/settings.ts';
import type { AccessControl } from '../access.ts';

const MfaRequirement = t.Union([t.Literal('off'), t.Literal('admins'), t.Literal('all')]);

/** An image reference for a scanner (a mirror of anchore/grype or aquasec/trivy is fine). */
const ScannerImage = t.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$' });

export function settingsRoutes({ access, settings }: { access: AccessControl; settings: SettingsStore }) {
  return new Elysia({ prefix: '/api/settings' })
    .use(access)
    .get('/scanning', () => settings.scanning(), {
      access: 'settings:read',
      detail: {
        summary: 'The scanner for schedules and update gates, and the scanner images',
        tags: ['settings'],
      },
    })
    .put('/scanning', ({ body }) => settings.setScanning(body), {
      access: 'settings:manage',
      body: t.Object({
        scanner: t.Optional(t.Union(SCANNERS.map((each) => t.Literal(each)))),
        grypeImage: t.Optional(ScannerImage),
        trivyImage: t.Optional(ScannerImage),
      }),
      detail: { summary: 'Choose the scanner or the scanner images', tags: ['settings'] },
    })
    .get('/security', () => settings.security(), {
      access: 'settings:read',
      detail: { summary: 'The MFA policy and the audit retention', tags: ['settings'] },
    })
    .put('/security', ({ body }) => settings.setSecurity(body), {
      access: 'settings:manage',
      body: t.Object({
        mfaRequired: t.Optional(MfaRequirement),
        auditRetentionDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
      }),
      detail: { summary: 'Change the MFA policy or the audit retention', tags: ['settings'] },
    });
}
