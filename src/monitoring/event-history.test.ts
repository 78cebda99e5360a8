// The events history against the real daemon: a container started and stopped shows in the
// history with its stack, the filters narrow it, and a caller sees only the environments it
// may read.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { DockerClient } from '../docker/client.ts';
import { localDocker, TestContainers } from '../docker/test-support.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

let app: TestApp;
let admin: ApiSession;
let docker: DockerClient;
let containers: TestContainers;
let environmentId: number;
let linked: Promise<void>;
const STACK = `wfevents${process.pid}`;

beforeAll(async () => {
  app = await startTestApp({ metricsIntervalMs: 1000 });
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
  linked = new Promise<void>((resolve) => {
    const stop = app.services.engineEvents.subscribe({
      link: (id, up) => {
        if (id === environmentId && up) {
          stop();
          resolve();
        }
      },
    });
  });
  app.services.collector.start();
  app.services.eventHistory.start();
  await app.services.engineEvents.start();
});

afterAll(async () => {
  await app?.close();
  await containers?.removeAll();
  docker?.close();
});

interface HistoryEvent {
  environmentId: number;
  type: string;
  action: string;
  name: string | null;
  stack: string | null;
}

async function history(query: string, session = admin): Promise<HistoryEvent[]> {
  const answer = await session.call('GET', `/api/events/history?${query}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

test("a container's start and stop are kept, and the filters find them", async () => {
  await linked;
  // The stream's request goes out just after its link is told.
  await Bun.sleep(500);
  const id = await containers.run(['sleep', '3600'], {
    Labels: {
      'windflow.test': '1',
      'com.docker.compose.project': STACK,
      'com.docker.compose.service': 'app',
    },
  });
  const name = (await docker.inspectContainer(id)).Name.slice(1);
  await docker.stopContainer(id, { timeoutSeconds: 0 });

  let mine: HistoryEvent[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    mine = await history(`container=${name}`);
    if (mine.some((event) => event.action === 'die')) break;
    await Bun.sleep(200);
  }
  const actions = mine.map((event) => event.action);
  expect(actions).toContain('create');
  expect(actions).toContain('start');
  expect(actions).toContain('die');
  expect(mine.every((event) => event.name === name && event.environmentId === environmentId)).toBe(true);

  const starts = await history(`container=${name}&action=start`);
  expect(starts.map((event) => event.action)).toEqual(['start']);
  const byStack = await history(`stack=${STACK}&environmentId=${environmentId}`);
  expect(byStack.length).toBe(mine.length);
  expect(await history(`stack=${STACK}&type=image`)).toEqual([]);
  expect((await history(`q=${STACK.toUpperCase()}&limit=1`)).length).toBe(1);

  const bad = await admin.call('GET', '/api/events/history?limit=100000');
  expect(bad.status).toBe(400);
  expect(bad.body.code).toBeString();

  // A user whose role is on another environment sees none of these.
  const elsewhere = (
    await admin.call('POST', '/api/environments', { name: 'elsewhere', type: 'tcp', address: '127.0.0.1:9' })
  ).body.id;
  const created = await admin.call('POST', '/api/users', {
    username: 'elsewhere',
    password: 'narrow viewer 4242',
    roles: [{ role: 'viewer', environmentId: elsewhere }],
  });
  expect(created.status).toBe(201);
  const other = app.session();
  await other.login({ username: 'elsewhere', password: 'narrow viewer 4242' });
  expect(await history(`container=${name}`, other)).toEqual([]);
}, 120_000);
