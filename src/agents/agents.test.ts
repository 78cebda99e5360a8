// Environments through agents, against the real peers: the Hawser binary (edge and standard) and
// `windflow agent` (edge and standard). Each lists containers, follows logs, runs a terminal
// command, browses a volume, pulls an image and deploys a Compose stack through its agent, with
// the same routes and DockerClient a socket environment uses; a stack build goes through every
// agent but Hawser edge, whose protocol carries no tar bodies and says so.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import type { DockerClient } from '../docker/client.ts';
import { TEST_LABEL, TextReader } from '../docker/test-support.ts';
import {
  freePort,
  type RunningAgent,
  startHawserEdge,
  startHawserStandard,
  startProcess,
} from '../testing/agents.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const RUN = `agents-${process.pid}-${Date.now().toString(36)}`;
const MAIN = join(import.meta.dir, '..', 'daemon', 'main.ts');

let app: TestApp;
let admin: ApiSession;
let serverUrl: string;
let ticker: { id: string; name: string };
let volume: string;
const agents: RunningAgent[] = [];

async function localDocker(): Promise<DockerClient> {
  const local = (await app.services.environments.list()).find((environment) => environment.name === 'local');
  if (!local) throw new Error('no local environment');
  return app.services.clients.clientFor(local);
}

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  serverUrl = `ws://127.0.0.1:${app.app.server?.port}/api/hawser/connect`;
  admin = await app.session().setUpAdmin();
  const local = await admin.call('POST', '/api/environments', {
    name: 'local',
    type: 'local-socket',
    address: bed.dockerSocket,
  });
  expect(local.status).toBe(201);
  const docker = await localDocker();
  const labels = { [TEST_LABEL]: '1', 'windflow.test.run': RUN };
  volume = `${RUN}-vol`;
  await docker.request('POST', '/volumes/create', { body: { Name: volume, Labels: labels } });
  const name = `${RUN}-ticker`;
  const { Id } = await docker.createContainer(
    {
      Image: bed.images.busybox,
      Cmd: [
        'sh',
        '-c',
        'echo hello > /v/hello.txt; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done',
      ],
      Labels: labels,
      HostConfig: { Binds: [`${volume}:/v`] },
    },
    name,
  );
  await docker.startContainer(Id);
  ticker = { id: Id, name };
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop()));
  const docker = await localDocker();
  await docker.removeContainer(ticker.id, { force: true }).catch(() => undefined);
  await docker.request('DELETE', `/volumes/${volume}`).catch(() => undefined);
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

async function addEdge(name: string): Promise<{ id: number; token: string }> {
  const created = await admin.call('POST', '/api/environments', { name, type: 'edge', address: '' });
  expect(created.status).toBe(201);
  expect(created.body.enrolment.commands.windflow).toContain(`--token ${created.body.enrolment.token}`);
  return { id: created.body.id, token: created.body.enrolment.token };
}

async function untilConnected(id: number, agent: RunningAgent): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (app.services.agents.session(id)) return;
    await Bun.sleep(100);
  }
  throw new Error(`the agent did not connect; it printed:\n${agent.output().slice(-2000)}`);
}

function windflowAgent(args: string[]): RunningAgent {
  return startProcess(['bun', MAIN, 'agent', ...args], {});
}

interface Mode {
  name: string;
  /** Adds the environment, starts the agent; returns the environment id. */
  start(): Promise<number>;
  /** Whether a terminal can pass arguments to its command (Hawser edge runs one word). */
  terminalArgs: boolean;
  /** Whether request bodies (tar uploads, build contexts) go through (not on Hawser edge). */
  uploads: boolean;
}

const modes: Mode[] = [
  {
    name: 'Hawser edge',
    terminalArgs: false,
    uploads: false,
    async start() {
      const { id, token } = await addEdge(`${RUN}-hawser-edge`);
      const agent = startHawserEdge({ serverUrl, token, name: `${RUN}-hawser-edge` });
      agents.push(agent);
      await untilConnected(id, agent);
      return id;
    },
  },
  {
    name: 'Hawser standard',
    terminalArgs: true,
    uploads: true,
    async start() {
      const port = freePort();
      const agent = startHawserStandard({ port, token: `${RUN}-standard-token` });
      agents.push(agent);
      await agent.waitFor('Starting HTTP server');
      const created = await admin.call('POST', '/api/environments', {
        name: `${RUN}-hawser-standard`,
        type: 'hawser-standard',
        address: `127.0.0.1:${port}`,
        agentToken: `${RUN}-standard-token`,
      });
      expect(created.status).toBe(201);
      return created.body.id;
    },
  },
  {
    name: 'windflow agent edge',
    terminalArgs: true,
    uploads: true,
    async start() {
      const { id, token } = await addEdge(`${RUN}-windflow-edge`);
      const agent = windflowAgent(['--server', serverUrl, '--token', token, '--name', `${RUN}-wf-edge`]);
      agents.push(agent);
      await untilConnected(id, agent);
      expect(app.services.agents.session(id)?.extras.has('tunnel')).toBe(true);
      return id;
    },
  },
  {
    name: 'windflow agent standard',
    terminalArgs: true,
    uploads: true,
    async start() {
      const port = freePort();
      const agent = windflowAgent(['--listen', `127.0.0.1:${port}`, '--token', `${RUN}-wf-standard`]);
      agents.push(agent);
      await agent.waitFor('standard agent listening');
      const created = await admin.call('POST', '/api/environments', {
        name: `${RUN}-windflow-standard`,
        type: 'hawser-standard',
        address: `http://127.0.0.1:${port}`,
        agentToken: `${RUN}-wf-standard`,
      });
      expect(created.status).toBe(201);
      return created.body.id;
    },
  },
];

describe.each(modes)('$name', (mode) => {
  let id: number;
  let client: DockerClient;

  beforeAll(async () => {
    id = await mode.start();
    const environment = await app.services.environments.get(id);
    if (!environment) throw new Error('environment missing');
    client = await app.services.clients.clientFor(environment);
  });

  test('lists containers and inspects one', async () => {
    const list = await admin.call('GET', `/api/environments/${id}/containers?all=true`);
    expect(list.status).toBe(200);
    expect(list.body.map((container: { name: string }) => container.name)).toContain(ticker.name);
    const inspect = await admin.call('GET', `/api/environments/${id}/containers/${ticker.id}`);
    expect(inspect.status).toBe(200);
    const missing = await admin.call('GET', `/api/environments/${id}/containers/no-such-container-${RUN}`);
    expect(missing.status).toBe(404);
  });

  test('follows logs live, and stops following when asked', async () => {
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const chunk of client.containerLogs(ticker.id, {
      follow: true,
      tail: 1,
      signal: abort.signal,
    })) {
      seen.push(new TextDecoder().decode(chunk.data).trim());
      if (seen.length >= 3) break;
    }
    const numbers = seen.map((line) => Number(line.replace('tick ', '')));
    expect(numbers[2]).toBeGreaterThan(numbers[0] as number);
    abort.abort();
    expect(app.services.agents.session(id)?.openCalls ?? 0).toBe(0);
  });

  test('runs a command in a terminal', async () => {
    const { Id } = await client.execCreate(ticker.id, {
      Cmd: mode.terminalArgs ? ['/bin/sh', '-i'] : ['/bin/sh'],
      Tty: true,
      AttachStdin: true,
    });
    const connection = await client.execStart(Id, { tty: true });
    try {
      await client.execResize(Id, { w: 100, h: 30 });
      const reader = new TextReader(connection.output);
      // Typed at the prompt, as a person would: a Hawser agent takes the size once the shell's
      // output starts, so a command typed before that could run at the old size.
      await reader.waitFor('# ');
      await connection.write('echo "windflow-$((6*7))"; stty size\n');
      await reader.waitFor('windflow-42');
      await reader.waitFor('30 100');
      await connection.write('exit\n');
      await reader.end();
    } finally {
      connection.close();
    }
  });

  test('browses a volume', async () => {
    const root = await admin.call('GET', `/api/environments/${id}/volumes/${volume}/browse?path=`);
    expect(root.text).toStartWith('{"path":""');
    expect(root.body.entries.map((entry: { name: string }) => entry.name)).toContain('hello.txt');
  });

  test('pulls an image with progress', async () => {
    const events = [];
    for await (const event of client.pullImage(bed.images.registryBusybox)) events.push(event);
    expect(events.at(-1)?.status).toMatch(/Image is up to date|Downloaded newer image/);
  });

  test('deploys a stack and takes it down', async () => {
    const name = `wfag-${mode.name.replace(/\W+/g, '').toLowerCase()}-${process.pid}`;
    const compose = `services:\n  web:\n    image: ${bed.images.busybox}\n    command: ["sh", "-c", "echo stack-up; sleep 300"]\n    labels:\n      ${TEST_LABEL}: "1"\n    stop_grace_period: 1s\n`;
    const ended = await deployed(
      await admin.call('POST', `/api/environments/${id}/stacks`, { name, compose }),
    );
    expect(ended.error).toBeUndefined();
    expect(ended.status).toBe('succeeded');
    const project = { label: [`com.docker.compose.project=${name}`] };
    const containers = await client.listContainers({ filters: project });
    expect(containers.map((container) => container.State)).toEqual(['running']);
    const down = await admin.call('DELETE', `/api/environments/${id}/stacks/${name}`);
    expect(down.status).toBe(204);
    expect(await client.listContainers({ all: true, filters: project })).toEqual([]);
  });

  test(
    mode.uploads ? 'builds a stack image on the agent host' : 'says a build cannot go through the agent',
    async () => {
      const name = `wfagb-${mode.name.replace(/\W+/g, '').toLowerCase()}-${process.pid}`;
      const compose = `services:\n  built:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM ${bed.images.busybox}\n        LABEL ${TEST_LABEL}=1\n        CMD ["sleep", "300"]\n    image: ${name}:built\n    labels:\n      ${TEST_LABEL}: "1"\n    stop_grace_period: 1s\n`;
      const ended = await deployed(
        await admin.call('POST', `/api/environments/${id}/stacks`, { name, compose }),
      );
      if (mode.uploads) {
        expect(ended.error).toBeUndefined();
        expect(ended.status).toBe('succeeded');
      } else {
        expect(ended.status).toBe('failed');
        expect(ended.error).toContain('cannot carry file uploads');
      }
      expect((await admin.call('DELETE', `/api/environments/${id}/stacks/${name}`)).status).toBe(204);
      await client.request('DELETE', `/images/${name}:built`).catch(() => undefined);
    },
  );
});

/** Follows a stack deploy job to its end. */
async function deployed(answer: { status: number; body: { id: string } }) {
  expect(answer.status).toBe(202);
  let ended: { status: string; error?: string } | undefined;
  for await (const message of app.services.jobs.follow(answer.body.id))
    if (message.type === 'end') ended = message.job;
  if (!ended) throw new Error('the deploy job did not end');
  return ended;
}

test('agent states arrive live: a connection, then its drop, on the server-sent events feed', async () => {
  const answer = await admin.request('GET', '/api/environments/agent-events');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toStartWith('text/event-stream');
  const stop = new AbortController();
  const body = answer.body as ReadableStream<Uint8Array>;
  const feed = new TextReader(body.pipeThrough(new TransformStream(), { signal: stop.signal }));
  try {
    await feed.waitFor(': connected');
    const { id, token } = await addEdge(`${RUN}-live`);
    const agent = windflowAgent(['--server', serverUrl, '--token', token, '--name', `${RUN}-live`]);
    agents.push(agent);
    await feed.waitFor(`"environmentId":${id},"agent":{"kind":"edge","connected":true`, 20_000);
    expect(feed.text).toContain(`"agentName":"${RUN}-live"`);
    await agent.stop();
    await feed.waitFor(`"environmentId":${id},"agent":{"kind":"edge","connected":false`, 20_000);
  } finally {
    stop.abort();
  }
});
