// Faults on the edge link, against the real Hawser binary, `windflow agent` and a hand-driven
// WebSocket peer: wrong tokens, a token used twice, an old protocol, malformed and oversized
// frames, an agent killed mid-stream and a server restarted under its agents. Agents come back,
// no call hangs without an error, and nothing stays open.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { DockerUnreachableError } from '../docker/errors.ts';
import { type RunningAgent, startHawserEdge, startProcess } from '../testing/agents.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { PROTOCOL_VERSION } from './protocol.ts';

const RUN = `faults-${process.pid}-${Date.now().toString(36)}`;
const MAIN = join(import.meta.dir, '..', 'daemon', 'main.ts');
let app: TestApp;
let admin: ApiSession;
let port: number;
let serverUrl: string;
const agents: RunningAgent[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  port = app.app.server?.port as number;
  serverUrl = `ws://127.0.0.1:${port}/api/hawser/connect`;
  admin = await app.session().setUpAdmin();
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

async function addEdge(name: string): Promise<{ id: number; token: string }> {
  const created = await admin.call('POST', '/api/environments', {
    name: `${RUN}-${name}`,
    type: 'edge',
    address: '',
  });
  expect(created.status).toBe(201);
  return { id: created.body.id, token: created.body.enrolment.token };
}

/** A hand-driven peer: sends what it is told, keeps what it gets. */
async function peer(hello: Record<string, unknown> | string) {
  const ws = new WebSocket(serverUrl);
  const received: Record<string, unknown>[] = [];
  const closed = Promise.withResolvers<number>();
  const waiters: (() => void)[] = [];
  ws.onmessage = (event) => {
    received.push(JSON.parse(String(event.data)));
    for (const wake of waiters.splice(0)) wake();
  };
  ws.onclose = (event) => closed.resolve(event.code);
  await new Promise((resolve) => {
    ws.onopen = resolve;
  });
  ws.send(
    typeof hello === 'string'
      ? hello
      : JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agentName: 'peer', ...hello }),
  );
  const next = async (type: string) => {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const found = received.find((message) => message.type === type);
      if (found) {
        received.splice(received.indexOf(found), 1);
        return found;
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    throw new Error(`no ${type} in ${JSON.stringify(received)}`);
  };
  return { ws, next, closed: closed.promise };
}

async function untilConnected(id: number, connected = true): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (Boolean(app.services.agents.session(id)) === connected) return;
    await Bun.sleep(100);
  }
  throw new Error(`environment ${id} did not become ${connected ? 'connected' : 'disconnected'}`);
}

async function clientOf(id: number) {
  const environment = await app.services.environments.get(id);
  if (!environment) throw new Error('no environment');
  return app.services.clients.clientFor(environment);
}

test('a wrong token, an old protocol and a first frame that is not a hello are refused with a reason', async () => {
  const wrong = await peer({ token: 'wfa_not-a-token' });
  expect(String((await wrong.next('error')).error)).toContain('token is not valid');
  expect(await wrong.closed).toBe(4401);

  const { token } = await addEdge('old-protocol');
  const old = await peer({ token, protocol: '0.9' });
  expect(String((await old.next('error')).error)).toMatch(/protocol version 0\.9 is not supported/);
  expect(await old.closed).toBe(4401);

  const garbage = await peer('{"no type here"');
  expect(String((await garbage.next('error')).error)).toContain('first frame must be a hello');

  const hawser = startHawserEdge({ serverUrl, token: 'wfa_wrong', name: `${RUN}-wrong` });
  agents.push(hawser);
  await hawser.waitFor('token is not valid');
});

test('a token used twice: the second agent is refused while the first stays, and the refusal is kept', async () => {
  const { id, token } = await addEdge('twice');
  const first = await peer({ token });
  expect((await first.next('welcome')).environmentId).toBe(id);
  const second = await peer({ token, agentName: 'intruder' });
  expect(String((await second.next('error')).error)).toContain('already connected');
  expect(app.services.agents.session(id)).toBeDefined();
  const history = await admin.call('GET', `/api/environments/${id}/agent/history`);
  expect(history.body.map((entry: { event: string }) => entry.event)).toEqual(['refused', 'connected']);
  first.ws.close();
  await untilConnected(id, false);
});

test('a malformed frame gets an error and the link stays; an oversized one closes it and fails the open calls', async () => {
  const { id, token } = await addEdge('frames');
  const agent = await peer({ token });
  await agent.next('welcome');
  agent.ws.send('this is not json');
  expect(String((await agent.next('error')).error)).toContain('malformed frame');
  agent.ws.send(JSON.stringify({ type: 'ping', timestamp: 1 }));
  await agent.next('pong');

  const client = await clientOf(id);
  // The peer never answers: the call waits until the link goes.
  const listing = client.listContainers().catch((error: unknown) => error);
  await agent.next('request');
  expect(app.services.agents.counts().openCalls).toBe(1);
  const started = Date.now();
  agent.ws.send(new Uint8Array(65 * 1024 * 1024));
  expect(await agent.closed).toBe(1009);
  const error = await listing;
  expect(error).toBeInstanceOf(DockerUnreachableError);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(app.services.agents.counts()).toEqual({ agents: 0, openCalls: 0 });
  await untilConnected(id, false);
  const history = await admin.call('GET', `/api/environments/${id}/agent/history`);
  expect(history.body[0]).toMatchObject({ event: 'disconnected' });
});

test('an agent killed mid-stream ends the stream with an error; started again, it serves', async () => {
  const { id, token } = await addEdge('killed');
  const first = startHawserEdge({ serverUrl, token, name: `${RUN}-killed` });
  agents.push(first);
  await untilConnected(id);
  const client = await clientOf(id);
  const events = client.events({ since: Math.floor(Date.now() / 1000) - 3600 });
  await events.next();
  await first.kill();
  const failure = await (async () => {
    try {
      for await (const _ of events) {
        // drain until the link's end fails the stream
      }
    } catch (error) {
      return error;
    }
  })();
  expect(failure).toBeInstanceOf(DockerUnreachableError);
  await untilConnected(id, false);
  expect(app.services.agents.counts().openCalls).toBe(0);
  const second = startHawserEdge({ serverUrl, token, name: `${RUN}-killed` });
  agents.push(second);
  await untilConnected(id);
  expect(Array.isArray(await client.listContainers())).toBe(true);
});

test('the server restarted under its agents: Hawser and windflow agent come back by themselves', async () => {
  const hawserEnv = await addEdge('restart-hawser');
  const windflowEnv = await addEdge('restart-windflow');
  const hawser = startHawserEdge({ serverUrl, token: hawserEnv.token, name: `${RUN}-restart` });
  const windflow = startProcess(
    ['bun', MAIN, 'agent', '--server', serverUrl, '--token', windflowEnv.token],
    {},
  );
  agents.push(hawser, windflow);
  await untilConnected(hawserEnv.id);
  await untilConnected(windflowEnv.id);

  app.app.server?.stop(true);
  await untilConnected(hawserEnv.id, false);
  await untilConnected(windflowEnv.id, false);
  await Bun.sleep(500);
  app.app.listen({ hostname: '127.0.0.1', port });

  await untilConnected(hawserEnv.id);
  await untilConnected(windflowEnv.id);
  for (const id of [hawserEnv.id, windflowEnv.id]) {
    const list = await admin.call('GET', `/api/environments/${id}/containers`);
    expect(list.status).toBe(200);
  }
  const history = await admin.call('GET', `/api/environments/${hawserEnv.id}/agent/history`);
  expect(history.body.map((entry: { event: string }) => entry.event).slice(0, 3)).toEqual([
    'connected',
    'disconnected',
    'connected',
  ]);
});
