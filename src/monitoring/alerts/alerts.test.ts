// Alerts end to end against the real daemon: rules made through the API, the Engine's events
// stream of the environment, the store, and a real webhook channel delivering to a local HTTP
// receiver. A killed container fires and resolves when it runs again, a stopped one does not; an
// unhealthy container and a restart loop likewise; thresholds with hysteresis through the
// readings feed; unreachable environments; rules on another stack or environment stay quiet;
// who may make rules; bad input.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Elysia } from 'elysia';
import { BUILTIN_ROLES } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { alertRoutes } from '../../http/routes/alerts.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
} from '../../http/routes/docker-test-fixture.ts';
import { notificationRoutes } from '../../http/routes/notifications.ts';
import { type HttpReceiver, startHttpReceiver } from '../../testing/http-receiver.ts';
import { readServerSentEvents } from '../../testing/server-sent-events.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import type { ContainerReading, ReadingsBatch } from '../readings.ts';
import type { Alert, AlertRule } from './alert-rules.ts';

let env: LocalEnvironment;
let api: ApiSession;
let receiver: HttpReceiver;
let probeDir: string;
/** A second environment whose daemon does not answer. */
let elsewhereId: number;

const as = (principal?: Principal) =>
  routesApp(
    (access) =>
      new Elysia()
        .use(
          alertRoutes({
            access,
            alertStore: env.services.alertStore,
            alerts: env.services.alerts,
            environments: env.environments,
          }),
        )
        .use(
          notificationRoutes({
            access,
            notificationChannels: env.services.notificationChannels,
            notifier: env.services.notifier,
            listeningPorts: env.services.listeningPorts,
          }),
        ),
    principal,
  ).api;

beforeAll(async () => {
  env = await localEnvironment({
    notifier: { retryDelaysMs: [50] },
    engineEvents: { backoffMs: [100, 200] },
  });
  elsewhereId = (await env.environments.create({ name: 'elsewhere', type: 'tcp', address: '127.0.0.1:9' }))
    .id;
  api = as();
  receiver = startHttpReceiver();
  probeDir = mkdtempSync(join(tmpdir(), 'windflow-alert-probe-'));
  const channel = await api.call('POST', '/api/notifications/channels', {
    name: 'alerts hook',
    kind: 'webhook',
    settings: { url: `${receiver.url}/hook` },
    events: ['alert'],
  });
  expect(channel.status).toBe(201);
  await env.services.alerts.start();
  await env.services.engineEvents.start();
});
afterAll(async () => {
  await removeRunObjects(env);
  receiver.stop();
  await env.close();
  rmSync(probeDir, { recursive: true, force: true });
});

async function createRule(body: Record<string, unknown>): Promise<AlertRule> {
  const answer = await api.call('POST', '/api/alerts/rules', { severity: 'error', ...body });
  if (answer.status !== 201) throw new Error(`rule refused: ${answer.status} ${answer.text}`);
  return answer.body as AlertRule;
}

// biome-ignore lint/suspicious/noExplicitAny: the webhook's JSON as sent
type Delivered = { state: string; summary: string; subject: string; [field: string]: any };

/** What the webhook received about one rule, in order. */
function deliveredFor(ruleId: number): Delivered[] {
  return receiver.requests
    .flatMap((request) => (request.json?.events ?? []) as { data?: Delivered }[])
    .flatMap((event) => (event.data?.ruleId === ruleId ? [event.data] : []));
}

async function waitForDelivery(ruleId: number, count: number, timeoutMs = 30_000): Promise<Delivered[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const delivered = deliveredFor(ruleId);
    if (delivered.length >= count) return delivered;
    if (Date.now() > deadline)
      throw new Error(`rule ${ruleId}: expected ${count} deliveries, got ${JSON.stringify(delivered)}`);
    await Bun.sleep(50);
  }
}

async function alertsOf(ruleId: number): Promise<Alert[]> {
  await env.services.alerts.idle();
  const answer = await api.call('GET', '/api/alerts?limit=500');
  return (answer.body as Alert[]).filter((alert) => alert.ruleId === ruleId);
}

async function runContainer(name: string, config: Record<string, unknown>): Promise<string> {
  const { Id } = await env.docker.createContainer(
    {
      Image: testbed().images.busybox,
      Cmd: ['sleep', '3600'],
      ...config,
      Labels: { ...env.labels, ...((config.Labels as Record<string, string>) ?? {}) },
    },
    name,
  );
  await env.docker.startContainer(Id);
  return Id;
}

/** Waits until the Engine has sent this container's event through the stream (the alert engine saw it). */
async function settle(): Promise<void> {
  await Bun.sleep(300);
  await env.services.alerts.idle();
}

describe('event-driven rules against the real daemon', () => {
  test('a killed container fires and resolves when it runs again; a stopped one and another stack do not', async () => {
    const stack = env.name('stack');
    const rule = await createRule({
      name: 'crashes',
      kind: 'container-exited',
      environmentId: env.environmentId,
      stack,
      params: { resolveAfterSeconds: 1 },
    });
    const inStack = { Labels: { 'com.docker.compose.project': stack } };
    const killed = await runContainer(env.name('killed'), inStack);
    const stopped = await runContainer(env.name('stopped'), inStack);
    const otherStack = await runContainer(env.name('other'), {
      Labels: { 'com.docker.compose.project': `${stack}-other` },
    });
    await env.docker.stopContainer(stopped, { timeoutSeconds: 1 });
    await env.docker.request('POST', `/containers/${otherStack}/kill`);
    await env.docker.request('POST', `/containers/${killed}/kill`);

    const [firing] = await waitForDelivery(rule.id, 1);
    expect(firing?.state).toBe('firing');
    expect(firing?.subject).toContain('-killed-');
    expect(firing?.summary).toContain('exit code 137 (killed)');

    await env.docker.startContainer(killed);
    const [, resolved] = await waitForDelivery(rule.id, 2);
    expect(resolved?.state).toBe('resolved');
    expect(resolved?.subject).toBe(firing?.subject);

    const alerts = await alertsOf(rule.id);
    expect(alerts.map((alert) => [alert.subject, alert.state])).toEqual([
      [String(firing?.subject), 'resolved'],
    ]);
    expect(alerts[0]?.resolution).toBe('the container is running again');
    // The stop and the other stack's kill were seen (their events came before the killed one's) and left no alert.
    expect(deliveredFor(rule.id)).toHaveLength(2);
  });

  test('an unhealthy container fires, and resolves once its health check passes', async () => {
    const name = env.name('sick');
    const rule = await createRule({ name: 'health', kind: 'container-unhealthy', container: name });
    await runContainer(name, {
      Healthcheck: { Test: ['CMD', 'test', '-e', '/probe/ok'], Interval: 500_000_000, Retries: 1 },
      HostConfig: { Binds: [`${probeDir}:/probe`] },
    });
    const [firing] = await waitForDelivery(rule.id, 1);
    expect(firing).toMatchObject({ state: 'firing', subject: name, kind: 'container-unhealthy' });

    writeFileSync(join(probeDir, 'ok'), '');
    const [, resolved] = await waitForDelivery(rule.id, 2);
    expect(resolved).toMatchObject({ state: 'resolved', subject: name });
  });

  test('a restart loop fires after N restarts and resolves after a window without one', async () => {
    const name = env.name('loop');
    const rule = await createRule({
      name: 'loops',
      kind: 'restart-loop',
      container: name,
      params: { restarts: 3, windowSeconds: 10 },
    });
    // Exits four times, then stays up: the file survives the container's restarts.
    await runContainer(name, {
      Cmd: [
        'sh',
        '-c',
        'n=$(cat /n 2>/dev/null || echo 0); echo $((n+1)) > /n; [ "$n" -ge 4 ] && exec sleep 3600; exit 1',
      ],
      HostConfig: { RestartPolicy: { Name: 'always' } },
    });
    const [firing] = await waitForDelivery(rule.id, 1);
    expect(firing).toMatchObject({ state: 'firing', subject: name });
    expect(firing?.summary).toMatch(/restarted [34] times in 10 s/);
    const [, resolved] = await waitForDelivery(rule.id, 2, 40_000);
    expect(resolved).toMatchObject({ state: 'resolved', subject: name });
    expect(await alertsOf(rule.id)).toHaveLength(1);
  });

  test('a rule on another environment does not fire; one on an unreachable environment does, and resolves', async () => {
    const name = env.name('elsewhere');
    const quiet = await createRule({
      name: 'elsewhere crashes',
      kind: 'container-exited',
      environmentId: elsewhereId,
    });
    const unreachable = await createRule({
      name: 'down',
      kind: 'environment-unreachable',
      environmentId: elsewhereId,
      params: { durationSeconds: 0, resolveAfterSeconds: 0 },
    });
    const id = await runContainer(name, {});
    await env.docker.request('POST', `/containers/${id}/kill`);

    const [firing] = await waitForDelivery(unreachable.id, 1);
    expect(firing).toMatchObject({ state: 'firing', subject: '' });
    expect(firing?.summary).toContain('unreachable');

    // Pointed at the test bed's daemon, the environment's stream opens and the alert resolves.
    await env.environments.update(elsewhereId, { type: 'local-socket', address: testbed().dockerSocket });
    env.clients.forget(elsewhereId);
    const [, resolved] = await waitForDelivery(unreachable.id, 2);
    expect(resolved).toMatchObject({ state: 'resolved' });
    await settle();
    expect(deliveredFor(quiet.id)).toEqual([]);
  });
});

/** A container reading with nothing happening but what `fields` says. */
const reading = (name: string, fields: Partial<ContainerReading>): ContainerReading => ({
  environmentId: env.environmentId,
  containerId: name,
  name,
  stack: null,
  service: null,
  at: 0,
  state: 'running',
  health: null,
  restartCount: 0,
  cpuPercent: 0,
  memoryBytes: 0,
  memoryLimitBytes: 1_000,
  networkRxBytes: 0,
  networkTxBytes: 0,
  blockReadBytes: 0,
  blockWriteBytes: 0,
  ...fields,
});

describe('thresholds through the readings feed', () => {
  const publish = (at: number, containers: ContainerReading[], host?: ReadingsBatch['host']) =>
    env.services.readings.publish({
      environmentId: env.environmentId,
      at,
      reachable: true,
      host: host ?? null,
      containers: containers.map((container) => ({ ...container, at })),
    });

  test('CPU fires only after its duration and resolves only below the margin for the resolve period', async () => {
    const name = env.name('busy');
    const rule = await createRule({
      name: 'cpu',
      kind: 'cpu',
      container: name,
      params: { threshold: 80, durationSeconds: 20, margin: 10, resolveAfterSeconds: 20 },
    });
    const t0 = Date.now();
    const cpu = (seconds: number, cpuPercent: number) =>
      publish(t0 + seconds * 1000, [
        reading(name, { cpuPercent }),
        reading(`${name}-calm`, { cpuPercent: 5 }),
      ]);
    cpu(0, 90);
    cpu(10, 95);
    cpu(15, 50); // a dip starts the duration again
    cpu(20, 95);
    cpu(30, 95);
    expect(await alertsOf(rule.id)).toEqual([]);
    cpu(40, 85); // above for 20 s: fires
    const [firing] = await waitForDelivery(rule.id, 1);
    expect(firing).toMatchObject({ state: 'firing', subject: name });
    expect(firing?.value).toBe(85);

    cpu(50, 75); // below the threshold but within the margin: still firing
    cpu(60, 60);
    cpu(70, 90); // back up before the resolve period: still firing, no second alert
    cpu(80, 60);
    cpu(90, 65);
    expect((await alertsOf(rule.id)).map((alert) => alert.state)).toEqual(['firing']);
    cpu(100, 60); // below 70 for 20 s: resolves
    const [, resolved] = await waitForDelivery(rule.id, 2);
    expect(resolved).toMatchObject({ state: 'resolved', subject: name });
    expect(await alertsOf(rule.id)).toHaveLength(1);
    expect(deliveredFor(rule.id)).toHaveLength(2);
  });

  test('memory against the limit and host disk, each on its own subject', async () => {
    const name = env.name('hungry');
    const memory = await createRule({
      name: 'memory',
      kind: 'memory',
      container: name,
      params: { threshold: 50, durationSeconds: 0, margin: 5, resolveAfterSeconds: 0 },
    });
    const disk = await createRule({
      name: 'disk',
      kind: 'host-disk',
      environmentId: env.environmentId,
      params: { threshold: 90, durationSeconds: 0, margin: 3, resolveAfterSeconds: 0 },
    });
    const host = (diskUsedBytes: number) => ({
      environmentId: env.environmentId,
      at: 0,
      cpuPercent: 1,
      memoryUsedBytes: 1,
      memoryTotalBytes: 2,
      diskUsedBytes,
      diskTotalBytes: 100,
      networkRxBytes: 0,
      networkTxBytes: 0,
    });
    const t0 = Date.now();
    publish(t0, [reading(name, { memoryBytes: 600 })], host(95));
    const [memoryFiring] = await waitForDelivery(memory.id, 1);
    expect(memoryFiring?.summary).toContain('memory at 60% of its limit');
    const [diskFiring] = await waitForDelivery(disk.id, 1);
    expect(diskFiring?.summary).toContain('host disk 95% used');
    publish(t0 + 10_000, [reading(name, { memoryBytes: 440 })], host(85));
    expect(await waitForDelivery(memory.id, 2)).toMatchObject([{ state: 'firing' }, { state: 'resolved' }]);
    expect(await waitForDelivery(disk.id, 2)).toMatchObject([{ state: 'firing' }, { state: 'resolved' }]);
  });

  test('a round that could not reach the environment fires an unreachable rule', async () => {
    const rule = await createRule({
      name: 'collection down',
      kind: 'environment-unreachable',
      environmentId: env.environmentId,
      params: { durationSeconds: 0, resolveAfterSeconds: 0 },
    });
    env.services.readings.publish({
      environmentId: env.environmentId,
      at: Date.now(),
      reachable: false,
      host: null,
      containers: [],
    });
    expect((await waitForDelivery(rule.id, 1))[0]).toMatchObject({ state: 'firing' });
    publish(Date.now(), []);
    expect((await waitForDelivery(rule.id, 2))[1]).toMatchObject({ state: 'resolved' });
  });
});

describe('silence, acknowledge, and the live view', () => {
  test('a silenced rule keeps its alerts but tells nobody; an alert is acknowledged once; both are seen live', async () => {
    const live = await api.request('GET', '/api/alerts/live');
    expect(live.headers.get('content-type')).toContain('text/event-stream');
    const name = env.name('quiet');
    const rule = await createRule({
      name: 'silenced',
      kind: 'cpu',
      container: name,
      params: { threshold: 50, durationSeconds: 0, margin: 0, resolveAfterSeconds: 0 },
    });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const silenced = await api.call('POST', `/api/alerts/rules/${rule.id}/silence`, { until });
    expect(silenced.status).toBe(200);
    expect(Date.parse(silenced.body.silencedUntil)).toBe(Date.parse(until));
    env.services.readings.publish({
      environmentId: env.environmentId,
      at: Date.now(),
      reachable: true,
      host: null,
      containers: [reading(name, { at: Date.now(), cpuPercent: 99 })],
    });
    const [alert] = await alertsOf(rule.id);
    expect(alert?.state).toBe('firing');
    await env.services.notifier.idle();
    expect(deliveredFor(rule.id)).toEqual([]);

    const acknowledged = await api.call('POST', `/api/alerts/${alert?.id}/acknowledge`);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ acknowledgedBy: 'admin', state: 'firing' });
    expect((await api.call('POST', '/api/alerts/999999/acknowledge')).body.code).toBe('ALERT_NOT_FOUND');
    const seen = await readServerSentEvents(
      live.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>,
      (messages) => messages.some((message) => message.data.id === alert?.id && message.data.acknowledgedBy),
    );
    expect(seen.filter((message) => message.data.id === alert?.id).map((message) => message.event)).toEqual([
      'alert',
      'alert',
    ]);
    expect(seen.find((message) => message.data.id === alert?.id)?.data).toMatchObject({
      state: 'firing',
      acknowledgedBy: null,
    });
    expect(seen.some((message) => 'notified' in message.data)).toBe(false);

    const past = await api.call('POST', `/api/alerts/rules/${rule.id}/silence`, {
      until: '2001-01-01T00:00:00Z',
    });
    expect(past).toMatchObject({ status: 400, body: { code: 'INVALID_SILENCE' } });
    expect(
      (await api.call('POST', `/api/alerts/rules/${rule.id}/silence`, { until: null })).body.silencedUntil,
    ).toBe(null);
    // Deleting the rule resolves its alert, which stays in the history.
    expect((await api.call('DELETE', `/api/alerts/rules/${rule.id}`)).status).toBe(204);
    await env.services.alerts.idle();
    const history = (await api.call('GET', '/api/alerts?state=resolved&limit=500')).body as Alert[];
    expect(history.find((each) => each.id === alert?.id)).toMatchObject({
      ruleId: null,
      ruleName: 'silenced',
    });
  });
});

describe('who may make rules, and bad input', () => {
  test('a viewer reads but cannot create; a grant on another environment is not one on this', async () => {
    const viewer = as({
      ...principalWith(...BUILTIN_ROLES.viewer.grants),
      username: 'vera',
    });
    const rule = {
      name: 'nope',
      kind: 'container-exited',
      severity: 'warning',
      environmentId: env.environmentId,
    };
    expect((await viewer.call('GET', '/api/alerts/rules')).status).toBe(200);
    expect(await viewer.call('POST', '/api/alerts/rules', rule)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    const elsewhere = as({
      userId: 3,
      username: 'olga',
      roles: [{ grants: ['alerts:*'], environmentId: elsewhereId }],
      via: 'session',
      csrfValid: true,
    });
    expect((await elsewhere.call('POST', '/api/alerts/rules', rule)).status).toBe(403);
    expect((await elsewhere.call('POST', '/api/alerts/rules', { ...rule, environmentId: null })).status).toBe(
      403,
    );
    const own = await elsewhere.call('POST', '/api/alerts/rules', { ...rule, environmentId: elsewhereId });
    expect(own.status).toBe(201);
    // The rules of environments one may not read are not listed, nor their alerts.
    const listed = (await elsewhere.call('GET', '/api/alerts/rules')).body as AlertRule[];
    expect(listed.map((each) => each.id)).toContain(own.body.id);
    expect(listed.every((each) => each.environmentId === elsewhereId)).toBe(true);
    const alerts = (await elsewhere.call('GET', '/api/alerts?limit=500')).body as Alert[];
    expect(alerts.every((alert) => alert.environmentId === elsewhereId)).toBe(true);
    expect((await elsewhere.call('DELETE', `/api/alerts/rules/${own.body.id}`)).status).toBe(204);
  });

  test.each([
    [{ name: 'x', kind: 'coffee', severity: 'error' }, 'VALIDATION'],
    [{ name: '', kind: 'cpu', severity: 'error' }, 'VALIDATION'],
    [{ name: 'x', kind: 'cpu', severity: 'loud' }, 'VALIDATION'],
    [{ name: 'x', kind: 'cpu', severity: 'error', params: { threshold: -1 } }, 'VALIDATION'],
    [{ name: 'x', kind: 'memory', severity: 'error', params: { threshold: 150 } }, 'INVALID_RULE'],
    [{ name: 'x', kind: 'cpu', severity: 'error', params: { restarts: 3 } }, 'INVALID_RULE'],
    [{ name: 'x', kind: 'host-disk', severity: 'error', container: 'web' }, 'INVALID_RULE'],
    [{ name: 'x', kind: 'cpu', severity: 'error', container: '../etc' }, 'VALIDATION'],
    [{ name: 'x', kind: 'cpu', severity: 'error', environmentId: 999_999 }, 'ENVIRONMENT_NOT_FOUND'],
  ])('refuses %j', async (body, code) => {
    const answer = await api.call('POST', '/api/alerts/rules', body);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.code).toBe(code);
    expect(typeof answer.body.message).toBe('string');
  });

  test('an edit keeps the kind, checks the new scope, and answers 404 for a missing rule', async () => {
    const rule = await createRule({ name: 'editable', kind: 'cpu', params: { threshold: 70 } });
    const edited = await api.call('PATCH', `/api/alerts/rules/${rule.id}`, {
      name: 'edited',
      params: { threshold: 75, durationSeconds: 60 },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'edited',
      kind: 'cpu',
      params: { threshold: 75, durationSeconds: 60, margin: 10 },
    });
    expect(
      (await api.call('PATCH', `/api/alerts/rules/${rule.id}`, { params: { windowSeconds: 60 } })).body.code,
    ).toBe('INVALID_RULE');
    expect((await api.call('PATCH', '/api/alerts/rules/999999', { name: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', `/api/alerts/rules/${rule.id}`)).status).toBe(204);
  });
});
