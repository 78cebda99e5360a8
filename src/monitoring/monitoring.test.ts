// Collection against the real daemon: running containers have readings within two rounds, with
// their stack labels and restart counts; the readings are kept and charted through the
// API; the overview names the busiest containers and a stack with a stopped member.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { DockerClient } from '../docker/client.ts';
import { localDocker, TestContainers } from '../docker/test-support.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';
import { ensureHistorySchedule, HISTORY_KIND } from './history-schedule.ts';
import type { ReadingsBatch } from './readings.ts';

const INTERVAL_MS = 1500;
const STACK = `wfmon${process.pid}`;
let app: TestApp;
let admin: ApiSession;
let docker: DockerClient;
let containers: TestContainers;
let environmentId: number;
const names: string[] = [];
const batches: ReadingsBatch[] = [];

beforeAll(async () => {
  app = await startTestApp({ metricsIntervalMs: INTERVAL_MS });
  admin = await app.session().setUpAdmin();
  environmentId = (
    await admin.call('POST', '/api/environments', {
      name: 'local',
      type: 'local-socket',
      address: testbed().dockerSocket,
    })
  ).body.id;
  docker = localDocker();
  containers = new TestContainers(docker);
  for (const service of ['web', 'worker']) {
    const id = await containers.run(['sleep', '3600'], {
      Labels: {
        'windflow.test': '1',
        'com.docker.compose.project': STACK,
        'com.docker.compose.service': service,
      },
    });
    names.push((await docker.inspectContainer(id)).Name.replace(/^\//, ''));
  }
  app.services.readings.subscribe((batch) => {
    if (batch.environmentId === environmentId) batches.push(batch);
  });
  app.services.collector.start();
});

afterAll(async () => {
  await app?.close();
  await containers?.removeAll();
  docker?.close();
});

/** Waits for a batch matching `test`, at most `rounds` rounds after those seen so far. */
async function batchWithin(rounds: number, test: (batch: ReadingsBatch) => boolean): Promise<ReadingsBatch> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const found = batches.slice(0, rounds).find(test);
    if (found) return found;
    if (batches.length >= rounds) throw new Error(`no matching batch within ${rounds} rounds`);
    await Bun.sleep(100);
  }
  throw new Error('no rounds');
}

describe('collection', () => {
  test('running containers have readings within two rounds, with labels and host figures', async () => {
    const batch = await batchWithin(2, (candidate) =>
      names.every((name) =>
        candidate.containers.some((reading) => reading.name === name && reading.state === 'running'),
      ),
    );
    expect(batch.reachable).toBe(true);
    const web = batch.containers.find((reading) => reading.name === names[0]);
    expect(web).toMatchObject({ stack: STACK, service: 'web', state: 'running', restartCount: 0 });
    expect(web?.memoryLimitBytes).toBeGreaterThan(0);
    expect(batch.host?.memoryTotalBytes).toBeGreaterThan(0);
    expect(batch.host?.diskTotalBytes).toBeGreaterThan(0);
  }, 120_000);

  test('readings are kept and charted; the overview has the busiest containers and a stack in trouble', async () => {
    // A second round gives CPU and rates; wait for one that is stored.
    let history: { columns: { at: number[]; memory: number[] } } = { columns: { at: [], memory: [] } };
    for (let attempt = 0; attempt < 60 && history.columns.at.length < 2; attempt++) {
      await Bun.sleep(500);
      history = (
        await admin.call('GET', `/api/environments/${environmentId}/metrics/containers/${names[1]}?range=15m`)
      ).body;
    }
    expect(history.columns.at.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...history.columns.memory)).toBeGreaterThan(0);
    const host = await admin.call('GET', `/api/environments/${environmentId}/metrics/host?range=15m`);
    expect(host.status).toBe(200);
    expect(host.body.stepSeconds).toBe(2);
    expect(host.body.columns.diskTotal.some((value: number | null) => (value ?? 0) > 0)).toBe(true);

    await docker.stopContainer(names[1] as string, { timeoutSeconds: 0 });
    const seenStopped = batches.length;
    let overview = (await admin.call('GET', '/api/monitoring/overview')).body;
    for (let attempt = 0; attempt < 120; attempt++) {
      if (batches.length > seenStopped + 1) break;
      await Bun.sleep(250);
    }
    overview = (await admin.call('GET', '/api/monitoring/overview')).body;
    const local = overview.environments.find(
      (environment: { id: number }) => environment.id === environmentId,
    );
    expect(local.reachable).toBe(true);
    expect(local.containers.running).toBeGreaterThanOrEqual(1);
    // Other containers on the shared daemon may be busier: the list is the top ten by CPU.
    const cpus = overview.busiest.map((busy: { cpuPercent: number }) => busy.cpuPercent);
    expect(cpus).toEqual([...cpus].sort((a, b) => b - a));
    expect(overview.busiest.length).toBe(Math.min(10, local.containers.running));
    if (local.containers.running <= 10)
      expect(overview.busiest.some((busy: { name: string }) => busy.name === names[0])).toBe(true);
    expect(overview.stacks).toContainEqual(
      expect.objectContaining({ stack: STACK, containers: 2, running: 1, reasons: ['1 stopped'] }),
    );
  }, 120_000);

  test('a range it does not know is refused with a code; an unknown environment is a 404', async () => {
    const wrong = await admin.call('GET', `/api/environments/${environmentId}/metrics/host?range=2y`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBeString();
    const missing = await admin.call('GET', '/api/environments/9999/metrics/containers/web');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ENVIRONMENT_NOT_FOUND');
    const never = await admin.call(
      'GET',
      `/api/environments/${environmentId}/metrics/containers/never-here?range=30d`,
    );
    expect(never.body).toMatchObject({ stepSeconds: 1800, columns: { at: [] } });
  });
});

describe('history schedule', () => {
  test('exists once, rolls up when it runs, and refuses retention that makes no sense', async () => {
    const { scheduler, schedules } = app.services;
    await ensureHistorySchedule(scheduler, await schedules.list());
    await ensureHistorySchedule(scheduler, await schedules.list());
    const mine = (await schedules.list()).filter((schedule) => schedule.kind === HISTORY_KIND);
    expect(mine).toHaveLength(1);
    const id = (mine[0] as { id: number }).id;
    expect(await scheduler.runNow(id)).toBe('started');
    await scheduler.whenIdle(id);
    const run = await schedules.get(id);
    expect(run?.lastStatus).toBe('succeeded');
    expect(run?.lastSummary).toStartWith('rolled up');
    await expect(scheduler.update(id, { options: { rawHours: 0 } })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
    await expect(
      scheduler.update(id, { options: { minuteDays: 40, fiveMinuteDays: 30 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});
