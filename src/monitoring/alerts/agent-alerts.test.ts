// "Agent unreachable" against the real Hawser edge agent: an edge environment whose agent has
// not dialled in fires its unreachable rule; the agent connecting resolves it; the agent killed
// fires it again. Through the whole app, as the daemon runs it, audit trail included.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { type RunningAgent, startHawserEdge } from '../../testing/agents.ts';
import { startTestApp, type TestApp } from '../../testing/app.ts';
import type { ApiSession } from '../../testing/session.ts';
import type { Alert } from './alert-rules.ts';

const RUN = `agent-alerts-${process.pid}-${Date.now().toString(36)}`;
let app: TestApp;
let admin: ApiSession;
let agent: RunningAgent | undefined;

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  admin = await app.session().setUpAdmin();
  await app.services.alerts.start();
  await app.services.engineEvents.start();
});
afterAll(async () => {
  await agent?.stop();
  app.services.engineEvents.stop();
  await app.services.alerts.stop();
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

async function until(ruleId: number, wanted: (alerts: Alert[]) => boolean): Promise<Alert[]> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const alerts = ((await admin.call('GET', '/api/alerts')).body as Alert[]).filter(
      (alert) => alert.ruleId === ruleId,
    );
    if (wanted(alerts)) return alerts;
    await Bun.sleep(100);
  }
  throw new Error(`rule ${ruleId}: the alerts never got there`);
}

test('an edge agent away fires, its connection resolves, its death fires again', async () => {
  const created = await admin.call('POST', '/api/environments', { name: RUN, type: 'edge', address: '' });
  expect(created.status).toBe(201);
  const rule = await admin.call('POST', '/api/alerts/rules', {
    name: 'agent away',
    kind: 'environment-unreachable',
    environmentId: created.body.id,
    severity: 'critical',
    params: { durationSeconds: 0, resolveAfterSeconds: 0 },
  });
  expect(rule.status).toBe(201);

  const [away] = await until(rule.body.id, (alerts) => alerts.length === 1);
  expect(away).toMatchObject({ state: 'firing', subject: '', environmentId: created.body.id });

  agent = startHawserEdge({
    serverUrl: `ws://127.0.0.1:${app.app.server?.port}/api/hawser/connect`,
    token: created.body.enrolment.token,
    name: RUN,
  });
  const [back] = await until(rule.body.id, (alerts) => alerts[0]?.state === 'resolved');
  expect(back?.resolution).toMatch(/agent connected|reachable again/);

  await agent.kill();
  const alerts = await until(rule.body.id, (each) => each.length === 2);
  expect(alerts.map((alert) => alert.state)).toEqual(['firing', 'resolved']);
  expect(alerts[0]?.summary).toContain('unreachable');

  // Rule changes, silences and acknowledgements are audited with who did them.
  const silenceEnd = new Date(Date.now() + 3_600_000).toISOString();
  expect(
    (await admin.call('POST', `/api/alerts/rules/${rule.body.id}/silence`, { until: silenceEnd })).status,
  ).toBe(200);
  expect((await admin.call('POST', `/api/alerts/${alerts[0]?.id}/acknowledge`)).status).toBe(200);
  await app.services.audit.flush();
  const { entries } = await app.services.audit.search({ action: 'alerts:manage', limit: 10 });
  expect(entries.map((entry) => [entry.username, entry.target, entry.outcome]).reverse()).toEqual([
    ['admin', '/api/alerts/rules', 'success'],
    ['admin', `/api/alerts/rules/${rule.body.id}/silence`, 'success'],
    ['admin', `/api/alerts/${alerts[0]?.id}/acknowledge`, 'success'],
  ]);
});
