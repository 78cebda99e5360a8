// Edge agents reaching Windflow through the shipped reverse-proxy configurations (nginx and
// Caddy, at / and at /windflow/, TLS with the test bed's certificate): the real Hawser agent and
// `windflow agent` connect through each, containers are listed and a terminal command runs over
// the tunnel, and after the proxy is restarted each agent is back on its own. Every proxy here is
// the test's own instance of the shipped file (src/testing/proxies.ts), so restarting it
// disturbs nobody else.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { TEST_LABEL, TextReader } from '../docker/test-support.ts';
import { type RunningAgent, startHawserEdge, startProcess } from '../testing/agents.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { type OwnProxy, ownProxy, type ProxyKind, type ProxyPrefix } from '../testing/proxies.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const RUN = `proxied-${process.pid}-${Date.now().toString(36)}`;
const MAIN = join(import.meta.dir, '..', 'daemon', 'main.ts');

let app: TestApp;
let admin: ApiSession;
let upstreamPort: number;
let ticker: { id: string; name: string };
const agents: RunningAgent[] = [];
const proxies: OwnProxy[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  upstreamPort = app.app.server?.port as number;
  admin = await app.session().setUpAdmin();
  const local = await admin.call('POST', '/api/environments', {
    name: 'local',
    type: 'local-socket',
    address: bed.dockerSocket,
  });
  expect(local.status).toBe(201);
  const environment = await app.services.environments.get(local.body.id);
  if (!environment) throw new Error('no local environment');
  const docker = await app.services.clients.clientFor(environment);
  const name = `${RUN}-sleeper`;
  const { Id } = await docker.createContainer(
    {
      Image: bed.images.busybox,
      Cmd: ['sh', '-c', 'trap exit TERM; sleep 3600 & wait'],
      Labels: { [TEST_LABEL]: '1', 'windflow.test.run': RUN },
    },
    name,
  );
  await docker.startContainer(Id);
  ticker = { id: Id, name };
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  await Promise.all(proxies.map((proxy) => proxy.close()));
  const local = (await app.services.environments.list()).find((environment) => environment.name === 'local');
  if (local) {
    const docker = await app.services.clients.clientFor(local);
    await docker.removeContainer(ticker.id, { force: true }).catch(() => undefined);
  }
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

interface Agent {
  name: string;
  start(serverUrl: string, token: string, name: string): RunningAgent;
}

const AGENTS: Agent[] = [
  {
    name: 'Hawser edge',
    start: (serverUrl, token, name) =>
      startHawserEdge({ serverUrl, token, name, env: { CA_CERT: bed.localhostTls.ca } }),
  },
  {
    name: 'windflow agent edge',
    start: (serverUrl, token, name) =>
      startProcess(['bun', MAIN, 'agent', '--server', serverUrl, '--token', token, '--name', name], {
        NODE_EXTRA_CA_CERTS: bed.localhostTls.ca,
      }),
  },
];

const SITES: [ProxyKind, ProxyPrefix][] = [
  ['nginx', '/'],
  ['nginx', '/windflow/'],
  ['caddy', '/'],
  ['caddy', '/windflow/'],
];

/** The agent's session once it is connected and differs from `previous`. */
async function connected(id: number, agent: RunningAgent, previous?: unknown): Promise<unknown> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const session = app.services.agents.session(id);
    if (session && session !== previous) return session;
    await Bun.sleep(100);
  }
  throw new Error(`the agent did not connect; it printed:\n${agent.output().slice(-2000)}`);
}

async function listsTheHostsContainers(id: number): Promise<void> {
  const list = await admin.call('GET', `/api/environments/${id}/containers?all=true`);
  expect(list.status).toBe(200);
  expect(list.body.map((container: { name: string }) => container.name)).toContain(ticker.name);
}

describe.each(SITES)('%s at %s', (kind, prefix) => {
  let proxy: OwnProxy;
  const connectedHere: { id: number; agent: RunningAgent }[] = [];

  beforeAll(async () => {
    proxy = await ownProxy(kind, prefix, upstreamPort);
    proxies.push(proxy);
  });

  describe.each(AGENTS)('$name', (agentKind) => {
    let id: number;
    let agent: RunningAgent;

    beforeAll(async () => {
      const name = `${RUN}-${kind}-${prefix === '/' ? 'root' : 'sub'}-${agentKind.name.split(' ')[0]}`;
      const created = await admin.call('POST', '/api/environments', { name, type: 'edge', address: '' });
      expect(created.status).toBe(201);
      id = created.body.id;
      const serverUrl = `${proxy.url.replace(/^https/, 'wss')}api/hawser/connect`;
      agent = agentKind.start(serverUrl, created.body.enrolment.token, name);
      agents.push(agent);
      await connected(id, agent);
      connectedHere.push({ id, agent });
    });

    test('connects through the proxy and lists the host’s containers', async () => {
      await listsTheHostsContainers(id);
    });

    test('runs a terminal command over the tunnel', async () => {
      const environment = await app.services.environments.get(id);
      if (!environment) throw new Error('environment missing');
      const client = await app.services.clients.clientFor(environment);
      const { Id } = await client.execCreate(ticker.id, { Cmd: ['/bin/sh'], Tty: true, AttachStdin: true });
      const connection = await client.execStart(Id, { tty: true });
      try {
        const reader = new TextReader(connection.output);
        await connection.write('echo "through-$((6*7))"\n');
        await reader.waitFor('through-42');
        await connection.write('exit\n');
        await reader.end();
      } finally {
        connection.close();
      }
    });
  });

  test('after the proxy restarts, every agent reconnects by itself and works again', async () => {
    expect(connectedHere).toHaveLength(AGENTS.length);
    const before = new Map(connectedHere.map(({ id }) => [id, app.services.agents.session(id)]));
    await proxy.stop();
    for (const { id } of connectedHere) {
      for (
        let waited = 0;
        app.services.agents.session(id) === before.get(id) && waited < 10_000;
        waited += 100
      )
        await Bun.sleep(100);
      expect(app.services.agents.session(id)).not.toBe(before.get(id));
    }
    await proxy.start();
    for (const { id, agent } of connectedHere) {
      await connected(id, agent, before.get(id));
      await listsTheHostsContainers(id);
    }
  });
});
