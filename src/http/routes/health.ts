import { Elysia, t } from 'elysia';
import type { AccessControl } from '../access.ts';

export function healthRoutes({ version, access }: { version: string; access: AccessControl }) {
  return new Elysia().use(access).get('/api/health', () => ({ status: 'ok' as const, version }), {
    access: 'public',
    response: t.Object({ status: t.Literal('ok'), version: t.String() }),
    detail: { summary: 'Liveness and version', tags: ['system'] },
  });
}
