// The events history against the real daemon: a container started and stopped shows in the
// history with its stack, the filters narrow it, and a caller sees only the environments it
// may read. The live stream delivers the same records as they are kept, filtered the same way,
// never an environment the caller cannot read, and lets go of its reader on disconnect.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { DockerClient } from '../docker/client.ts';
import { localDocker, TestContainers } from '../docker/test-support.ts';
import type { EngineEventRecord } from '../docker/views.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { readServerSentEvents } from '../testing/server-sent-events.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

let app: TestApp;
let admin: ApiSession;
let docker: DockerClient;
let containers: TestContainers;
let environmentId: number;
/** A second environment on the same daemon: the same Engine events, kept under another id. */
let mirrorId: number;
let streaming: Promise<void>;
const STACK = `wfevents${process.pid}`;
const LIVE_STACK = `wflive${process.pid}`;

beforeAll(async () => {
  app = await startTestApp({ metricsIntervalMs: 1000 });
  admin = await app.session().setUpAdmin();
  const local = (name: string) =>
    admin.call('POST', '/api/environments', { name, type: 'local-socket', address: testbed().dockerSocket });
  environmentId = (await local('local')).body.id;
  mirrorId = (await local('mirror')).body.id;
  docker = localDocker();
  containers = new TestContainers(docker);
  app.services.collector.start();
  app.services.eventHistory.start();
  await app.services.engineEvents.start();
  streaming = bothStreaming();
});

/** Resolves once both environments' streams deliver: a probe container is made until they tell it. */
async function bothStreaming(): Promise<void> {
  const told = new Set<number>();
  const stop = app.services.engineEvents.subscribe({
    event: (id, event) => {
      if (event.Actor?.Attributes?.['windflow.probe'] === STACK) told.add(id);
    },
  });
  try {
    for (let attempt = 0; attempt < 100 && !(told.has(environmentId) && told.has(mirrorId)); attempt++) {
      const probe = await containers.create(['true'], {
        Labels: { 'windflow.test': '1', 'windflow.probe': STACK },
      });
      await docker.removeContainer(probe, { force: true });
      await Bun.sleep(200);
    }
  } finally {
    stop();
  }
  expect([...told].sort()).toEqual([environmentId, mirrorId].sort());
}

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
  await streaming;
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
    const died = mine.filter((event) => event.action === 'die').map((event) => event.environmentId);
    if (died.includes(environmentId) && died.includes(mirrorId)) break;
    await Bun.sleep(200);
  }
  const actions = mine.map((event) => event.action);
  expect(actions).toContain('create');
  expect(actions).toContain('start');
  expect(actions).toContain('die');
  expect(
    mine.every((event) => event.name === name && [environmentId, mirrorId].includes(event.environmentId)),
  ).toBe(true);

  const starts = await history(`container=${name}&action=start&environmentId=${mirrorId}`);
  expect(starts.map((event) => event.action)).toEqual(['start']);
  const byStack = await history(`stack=${STACK}&environmentId=${environmentId}`);
  expect(byStack.length).toBe(mine.filter((event) => event.environmentId === environmentId).length);
  expect(await history(`stack=${STACK}&type=image`)).toEqual([]);
  expect((await history(`q=${STACK.toUpperCase()}&limit=1`)).length).toBe(1);

  const bad = await admin.call('GET', '/api/events/history?limit=100000');
  expect(bad.status).toBe(400);
  expect(bad.body.code).toBeString();

  // A user whose role is on another environment sees none of these.
  const elsewhere = (
    await admin.call('POST', '/api/environments', { name: 'elsewhere', type: 'tcp', address: '127.0.0.1:9' })
  ).body.id;
  const other = await viewerOf(elsewhere, 'elsewhere');
  expect(await history(`container=${name}`, other)).toEqual([]);
}, 120_000);

const VIEWER_PASSWORD = 'narrow viewer 4242';

/** A new user with the viewer role on one environment only, logged in. */
async function viewerOf(environment: number, username: string): Promise<ApiSession> {
  const created = await admin.call('POST', '/api/users', {
    username,
    password: VIEWER_PASSWORD,
    roles: [{ role: 'viewer', environmentId: environment }],
  });
  expect(created.status).toBe(201);
  const session = app.session();
  expect((await session.login({ username, password: VIEWER_PASSWORD })).status).toBe(200);
  return session;
}

/** Opens the live stream as `session`; the app has registered its reader once this returns. */
async function live(query: string, session: ApiSession) {
  const response = await session.request('GET', `/api/events/live?${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  if (!response.body) throw new Error('the stream has no body');
  return response.body.getReader();
}

/** Whether the test's container died in `environment` (other runs' containers die on the daemon too). */
const diedIn =
  (environment: number) =>
  (messages: { data: EngineEventRecord }[]): boolean =>
    messages.some(
      ({ data }) => data.action === 'die' && data.environmentId === environment && data.stack === LIVE_STACK,
    );

test('the live stream delivers kept events as they come, only of environments the caller may read', async () => {
  await streaming;
  const viewer = await viewerOf(mirrorId, 'mirrorviewer');
  const viewerToken = await viewer.call('POST', '/api/auth/tokens', {
    name: 'live',
    scope: ['containers:read'],
  });
  expect(viewerToken.status).toBe(201);
  const narrowToken = await admin.call('POST', '/api/auth/tokens', {
    name: 'narrow',
    scope: ['environments:read'],
  });
  expect(narrowToken.status).toBe(201);

  // A token without containers:read is refused; so is nobody.
  const refused = await app.session().withToken(narrowToken.body.secret).request('GET', '/api/events/live');
  expect(refused.status).toBe(403);
  await refused.body?.cancel();
  expect((await app.session().call('GET', '/api/events/live')).status).toBe(401);
  expect((await admin.call('GET', `/api/events/live?container=${'x'.repeat(300)}`)).status).toBe(400);

  const readersBefore = app.services.eventHistory.liveReaders;
  const everything = await live('', admin);
  const byStack = await live(`stack=${LIVE_STACK}`, admin);
  const dies = await live(`stack=${LIVE_STACK}&action=die&environmentId=${environmentId}`, admin);
  const asViewer = await live(`stack=${LIVE_STACK}`, viewer);
  const asViewerToken = await live(`q=${LIVE_STACK}`, app.session().withToken(viewerToken.body.secret));
  // The viewer asks for the local environment by name: it gets nothing rather than an error.
  const viewerElsewhere = await live(`environmentId=${environmentId}`, viewer);
  expect(app.services.eventHistory.liveReaders).toBe(readersBefore + 6);

  const id = await containers.run(['sleep', '3600'], {
    Labels: {
      'windflow.test': '1',
      'com.docker.compose.project': LIVE_STACK,
      'com.docker.compose.service': 'app',
    },
  });
  await docker.stopContainer(id, { timeoutSeconds: 0 });

  const [all, stacked, died, viewed, viewedByToken] = await Promise.all([
    readServerSentEvents(everything, (got) => diedIn(environmentId)(got) && diedIn(mirrorId)(got)),
    readServerSentEvents(byStack, (got) => diedIn(environmentId)(got) && diedIn(mirrorId)(got)),
    readServerSentEvents(dies, diedIn(environmentId)),
    readServerSentEvents(asViewer, diedIn(mirrorId)),
    readServerSentEvents(asViewerToken, diedIn(mirrorId)),
  ]);
  const records = (messages: { event: string; data: EngineEventRecord }[]) => {
    expect(messages.every((message) => message.event === 'event')).toBe(true);
    return messages.map((message) => message.data);
  };
  const mine = records(stacked);
  expect(mine.every((event) => event.stack === LIVE_STACK && event.actorId === id)).toBe(true);
  for (const environment of [environmentId, mirrorId])
    expect(mine.filter((event) => event.environmentId === environment).map((event) => event.action)).toEqual(
      expect.arrayContaining(['create', 'start', 'die']),
    );
  // In the order kept, and record for record what the history keeps.
  expect(mine.map((event) => event.id)).toEqual(mine.map((event) => event.id).sort((a, b) => a - b));
  const unfiltered = records(all).filter((event) => event.stack === LIVE_STACK);
  expect(await history(`stack=${LIVE_STACK}`)).toEqual(expect.arrayContaining([...mine, ...unfiltered]));
  expect(unfiltered.filter((event) => event.action === 'die').length).toBe(2);
  expect(records(died).map((event) => [event.environmentId, event.action])).toEqual([[environmentId, 'die']]);
  for (const messages of [viewed, viewedByToken]) {
    const seen = records(messages);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((event) => event.environmentId === mirrorId)).toBe(true);
  }

  // Disconnecting lets go of the readers (readServerSentEvents cancelled the ones it read).
  // The viewer's stream of the local environment stayed silent through all of it.
  const leaked = await Promise.race([
    readServerSentEvents(viewerElsewhere, (got) => got.length > 0),
    Bun.sleep(1_000).then(() => []),
  ]);
  await viewerElsewhere.cancel();
  expect(leaked).toEqual([]);
  for (let attempt = 0; attempt < 50 && app.services.eventHistory.liveReaders > readersBefore; attempt++)
    await Bun.sleep(100);
  expect(app.services.eventHistory.liveReaders).toBe(readersBefore);
}, 120_000);
