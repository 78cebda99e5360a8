import { Elysia, t } from 'elysia';

export function healthRoutes(version: string) {
  return new Elysia().get('/api/health', () => ({ status: 'ok' as const, version }), {
    response: t.Object({ status: t.Literal('ok'), version: t.String() }),
    detail: { summary: 'Liveness and version', tags: ['system'] },
  });
}
