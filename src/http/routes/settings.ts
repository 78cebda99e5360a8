import { Elysia, t } from 'elysia';
import type { SettingsStore } from '../../store/settings.ts';
import type { AccessControl } from '../access.ts';

const MfaRequirement = t.Union([t.Literal('off'), t.Literal('admins'), t.Literal('all')]);

export function settingsRoutes({ access, settings }: { access: AccessControl; settings: SettingsStore }) {
  return new Elysia({ prefix: '/api/settings/security' })
    .use(access)
    .get('/', () => settings.security(), {
      access: 'settings:read',
      detail: { summary: 'The MFA policy and the audit retention', tags: ['settings'] },
    })
    .put('/', ({ body }) => settings.setSecurity(body), {
      access: 'settings:manage',
      body: t.Object({
        mfaRequired: t.Optional(MfaRequirement),
        auditRetentionDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
      }),
      detail: { summary: 'Change the MFA policy or the audit retention', tags: ['settings'] },
    });
}
