// The Engine API per environment, driven by Debian's docker CLI (docker.io) against a local and an
// edge environment (the real Hawser agent), with a Windflow API token in the CLI's HttpHeaders:
// ps, run -d, logs, pull, rm; a read-only token is refused changes; attached runs say why not.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startHawserEdge } from '../../testing/agents.ts';
import { startTestApp, type TestApp } from '../../testing/app.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';

const bed = testbed();
const DOCKER_CLI = '/usr/bin/docker';
const RUN = `dockerapi-${process.pid}-${Date.now().toString(36)}`;
let app: TestApp;
let admin: ApiSession;
let port: number;
let agent: RunningAgent;
const configs: string[] = [];
const environments: Record<'local' | 'edge', number> = { local: 0, edge: 0 };

async function token(scope: string[]): Promise<string> {
  const created = await admin.call('POST', '/api/auth/tokens', { name: `${RUN}-${scope.join('-')}`, scope });
  expect(created.status).toBe(201);
  return created.body.secret;
}

/** A DOCKER_CONFIG directory whose config sends the token with every request. */
function dockerConfig(secret: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'windflow-docker-config-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ HttpHeaders: { Authorization: `Bearer ${secret}` } }),
  );
  configs.push(dir);
  return dir;
}

async function docker(config: string, environmentId: number, args: string[]) {
  const child = Bun.spawn(
    [DOCKER_CLI, '-H', `tcp://127.0.0.1:${port}/api/environments/${environmentId}/docker`, ...args],
    { env: { PATH: process.env.PATH ?? '', DOCKER_CONFIG: config }, stdout: 'pipe', stderr: 'pipe' },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  port = app.app.server?.port as number;
  admin = await app.session().setUpAdmin();
  const local = await admin.call('POST', '/api/environments', {
    name: `${RUN}-local`,
    type: 'local-socket',
    address: bed.dockerSocket,
  });
  environments.local = local.body.id;
  const edge = await admin.call('POST', '/api/environments', {
    name: `${RUN}-edge`,
    type: 'edge',
    address: '',
  });
  environments.edge = edge.body.id;
  agent = startHawserEdge({
    serverUrl: `ws://127.0.0.1:${port}/api/hawser/connect`,
    token: edge.body.enrolment.token,
    name: `${RUN}-edge`,
  });
  for (let waited = 0; !app.services.agents.session(environments.edge); waited += 100) {
    if (waited > 20_000) throw new Error(`the agent did not connect:\n${agent.output()}`);
    await Bun.sleep(100);
  }
});

afterAll(async () => {
  await agent.stop();
  const local = await app.services.clients.clientFor(
    (await app.services.environments.get(environments.local)) as never,
  );
  for (const container of await local.listContainers({
    all: true,
    filters: { label: [`windflow.test.run=${RUN}`] },
  }))
    await local.removeContainer(container.Id, { force: true });
  for (const dir of configs) rmSync(dir, { recursive: true, force: true });
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

describe.each(['local', 'edge'] as const)('the docker CLI against the %s environment', (kind) => {
  test('ps, run -d, logs, pull and rm work with an operator token', async () => {
    const config = dockerConfig(await token(['*']));
    const id = environments[kind];
    const name = `${RUN}-${kind}-cli`;
    const run = await docker(config, id, [
      'run',
      '-d',
      '--name',
      name,
      '--label',
      'windflow.test=1',
      '--label',
      `windflow.test.run=${RUN}`,
      bed.images.busybox,
      'sh',
      '-c',
      `echo from-the-cli-${kind}; sleep 60`,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ps = await docker(config, id, ['ps', '--format', '{{.Names}}']);
    expect(ps.stdout.split('\n')).toContain(name);
    for (let tries = 0; tries < 50; tries++) {
      const logs = await docker(config, id, ['logs', name]);
      if (logs.stdout.includes(`from-the-cli-${kind}`)) break;
      if (tries === 49) throw new Error(`no log line: ${JSON.stringify(logs)}`);
      await Bun.sleep(100);
    }
    const pull = await docker(config, id, ['pull', bed.images.registryBusybox]);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(bed.images.registryBusybox);
    const attached = await docker(config, id, ['exec', name, 'echo', 'hi']);
    expect(attached.code).not.toBe(0);
    expect(attached.stderr).toContain('upgrade');
    const removed = await docker(config, id, ['rm', '-f', name]);
    expect(removed.code).toBe(0);
  });

  test('a read-only token lists but is refused changes, with the permission named', async () => {
    const config = dockerConfig(await token(['containers:read', 'environments:read']));
    const id = environments[kind];
    expect((await docker(config, id, ['ps'])).code).toBe(0);
    const refused = await docker(config, id, ['run', '-d', bed.images.busybox, 'true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('You need the containers:create permission');
    const privileged = dockerConfig(await token(['containers:*', 'environments:read']));
    const host = await docker(privileged, id, [
      'run',
      '-d',
      '-v',
      '/etc:/host-etc',
      bed.images.busybox,
      'true',
    ]);
    expect(host.code).not.toBe(0);
    expect(host.stderr).toContain('host:access');
  });
});

test('no token, no entry; paths Windflow does not manage are refused', async () => {
  const anonymous = await fetch(
    `http://127.0.0.1:${port}/api/environments/${environments.local}/docker/v1.41/containers/json`,
  );
  expect(anonymous.status).toBe(401);
  const swarm = await admin.call('GET', `/api/environments/${environments.local}/docker/v1.41/swarm`);
  expect(swarm.status).toBe(403);
  expect(swarm.body.code).toBe('ENGINE_PATH_NOT_ALLOWED');
});
