// Schedule routes: create, edit, run now and delete through the API; clear errors for bad
// input; and a schedule that can never do more than its editor may (the kind's own permission
// on the environment, besides schedules:manage).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import type { Principal } from '../../auth/principal.ts';
import type { ApiSession } from '../../testing/session.ts';
import { type LocalEnvironment, localEnvironment, principalWith, routesApp } from './docker-test-fixture.ts';
import { scheduleRoutes } from './schedules.ts';

let env: LocalEnvironment;
let admin: ApiSession;

const as = (principal?: Principal) =>
  routesApp(
    (access) =>
      new Elysia().use(
        scheduleRoutes({
          access,
          scheduler: env.services.scheduler,
          schedules: env.services.schedules,
          environments: env.environments,
        }),
      ),
    principal,
  ).api;

beforeAll(async () => {
  env = await localEnvironment();
  admin = as();
});
afterAll(() => env.close());

test('create, list, edit, run now and delete a clean-up schedule', async () => {
  const kinds = await admin.call('GET', '/api/schedules/kinds');
  expect(kinds.body.map((kind: { kind: string }) => kind.kind)).toContain('image-prune');
  const created = await admin.call('POST', '/api/schedules', {
    kind: 'image-prune',
    name: 'nightly prune',
    cron: '0 3 * * *',
    timezone: 'Europe/Paris',
    environmentId: env.environmentId,
    options: { labels: [env.runLabel] }, // the daemon is shared: prune only what this run made
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    options: { allUnused: false, labels: [env.runLabel] },
    enabled: true,
    timezone: 'Europe/Paris',
  });
  expect(created.body.nextRunAt).not.toBeNull();
  const edited = await admin.call('PATCH', `/api/schedules/${created.body.id}`, { cron: '15 2 * * 0' });
  expect(edited.body.cron).toBe('15 2 * * 0');

  const started = await admin.call('POST', `/api/schedules/${created.body.id}/run`);
  expect(started.status).toBe(202);
  expect(started.body.runningSince).not.toBeNull();
  await env.services.scheduler.whenIdle(created.body.id);
  const listed = await admin.call('GET', '/api/schedules');
  const after = listed.body.find((each: { id: number }) => each.id === created.body.id);
  expect(after.lastStatus).toBe('succeeded');
  expect(after.lastSummary).toMatch(/reclaimed/);

  expect((await admin.call('DELETE', `/api/schedules/${created.body.id}`)).status).toBe(204);
  expect((await admin.call('POST', `/api/schedules/${created.body.id}/run`)).status).toBe(404);
});

test('bad input gets a clear error and stores nothing', async () => {
  const base = { kind: 'image-prune', name: 'x', cron: '0 3 * * *', environmentId: env.environmentId };
  const cases: [Record<string, unknown>, number, string][] = [
    [{ ...base, cron: '0 25 * * *' }, 400, 'INVALID_CRON'],
    [{ ...base, timezone: 'Nowhere/Land' }, 400, 'INVALID_TIMEZONE'],
    [{ ...base, kind: 'format-disk' }, 400, 'UNKNOWN_SCHEDULE_KIND'],
    [{ ...base, environmentId: undefined }, 400, 'ENVIRONMENT_REQUIRED'],
    [{ ...base, environmentId: 9999 }, 404, 'ENVIRONMENT_NOT_FOUND'],
    [{ ...base, options: { allUnused: 'yes' } }, 400, 'INVALID_OPTIONS'],
  ];
  for (const [body, status, code] of cases) {
    const answer = await admin.call('POST', '/api/schedules', body);
    expect([answer.status, answer.body.code]).toEqual([status, code]);
  }
  expect((await admin.call('GET', '/api/schedules')).body).toEqual([]);
});

test('schedules:manage alone cannot set up work its holder may not do', async () => {
  const body = { kind: 'image-prune', name: 'sneaky', cron: '0 3 * * *', environmentId: env.environmentId };
  const manager = as(principalWith('schedules:manage', 'schedules:read'));
  const refused = await manager.call('POST', '/api/schedules', body);
  expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
  expect(refused.body.message).toContain('system:prune');

  const other = as({
    ...principalWith('schedules:manage'),
    roles: [{ grants: ['schedules:manage', 'system:prune'], environmentId: env.environmentId + 1 }],
  });
  expect((await other.call('POST', '/api/schedules', body)).status).toBe(403);

  const created = await admin.call('POST', '/api/schedules', body);
  expect((await manager.call('POST', `/api/schedules/${created.body.id}/run`)).status).toBe(403);
  expect((await manager.call('DELETE', `/api/schedules/${created.body.id}`)).status).toBe(403);
  const viewer = as(principalWith('containers:read'));
  expect((await viewer.call('GET', '/api/schedules')).status).toBe(403);

  const allowed = as(principalWith('schedules:manage', 'system:prune'));
  expect((await allowed.call('PATCH', `/api/schedules/${created.body.id}`, { enabled: false })).status).toBe(
    200,
  );
});
