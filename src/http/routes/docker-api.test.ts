// The Engine API per environment, driven by Debian's docker CLI against a local environment and
// two edge ones (`windflow agent` and the real Hawser agent), through the front door as the
// binary serves it, with a Windflow API token in the CLI's HttpHeaders: ps, run --rm, logs,
// exec, pull; a read-only token is refused changes; a host bind needs host:access; a user's token
// does not reach an environment the user has no role on.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startHawserEdge, startProcess } from '../../testing/agents.ts';
import { startTestApp, type TestApp } from '../../testing/app.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import { serveBehindFrontDoor } from '../front-door.ts';

const bed = testbed();
const DOCKER_CLI = '/usr/bin/docker';
const MAIN = join(import.meta.dir, '../../daemon/main.ts');
const RUN = `dockerapi-${process.pid}-${Date.now().toString(36)}`;
const LABELS = ['--label', 'windflow.test=1', '--label', `windflow.test.run=${RUN}`];
let app: TestApp;
let admin: ApiSession;
let listener: ReturnType<typeof serveBehindFrontDoor>;
const agents: RunningAgent[] = [];
const configs: string[] = [];
const environments = { local: 0, windflowEdge: 0, hawserEdge: 0 };
type Kind = keyof typeof environments;

async function token(session: ApiSession, scope: string[]): Promise<string> {
  const created = await session.call('POST', '/api/auth/tokens', {
    name: `${RUN}-${scope.join('-')}`,
    scope,
  });
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
    [DOCKER_CLI, '-H', `tcp://127.0.0.1:${listener.port}/api/environments/${environmentId}/docker`, ...args],
    {
      env: { PATH: process.env.PATH ?? '', DOCKER_CONFIG: config },
      stdout: 'pipe',
      stderr: 'pipe',
      stdin: 'ignore',
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** `docker run -d` of the test image under `name`, labelled for clean-up. */
async function runDetached(config: string, id: number, name: string, command: string[]): Promise<void> {
  const run = await docker(config, id, [
    'run',
    '-d',
    '--name',
    name,
    ...LABELS,
    bed.images.busybox,
    ...command,
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

async function addEdge(name: string, start: (url: string, token: string) => RunningAgent): Promise<number> {
  const edge = await admin.call('POST', '/api/environments', {
    name: `${RUN}-${name}`,
    type: 'edge',
    address: '',
  });
  expect(edge.status).toBe(201);
  const agent = start(`ws://127.0.0.1:${listener.port}/api/hawser/connect`, edge.body.enrolment.token);
  agents.push(agent);
  for (let waited = 0; !app.services.agents.session(edge.body.id); waited += 100) {
    if (waited > 20_000) throw new Error(`the agent did not connect:\n${agent.output()}`);
    await Bun.sleep(100);
  }
  return edge.body.id;
}

beforeAll(async () => {
  app = await startTestApp();
  listener = serveBehindFrontDoor(app.app, { hostname: '127.0.0.1', port: 0, maxRequestBodySize: 1 << 30 });
  admin = await app.session().setUpAdmin();
  const local = await admin.call('POST', '/api/environments', {
    name: `${RUN}-local`,
    type: 'local-socket',
    address: bed.dockerSocket,
  });
  environments.local = local.body.id;
  environments.windflowEdge = await addEdge('windflow-edge', (url, secret) =>
    startProcess(['bun', MAIN, 'agent', '--server', url, '--token', secret], {}),
  );
  environments.hawserEdge = await addEdge('hawser-edge', (serverUrl, secret) =>
    startHawserEdge({ serverUrl, token: secret, name: `${RUN}-hawser` }),
  );
});

afterAll(async () => {
  for (const agent of agents) await agent.stop();
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
  await listener.stop();
  await app.close();
});

describe.each(['local', 'windflowEdge', 'hawserEdge'] as const)('the docker CLI against %s', (kind: Kind) => {
  test('ps, run, logs, exec, pull and rm work with an operator token', async () => {
    const config = dockerConfig(await token(admin, ['*']));
    const id = environments[kind];
    const name = `${RUN}-${kind}-cli`;
    await runDetached(config, id, name, ['sh', '-c', `echo from-the-cli-${kind}; sleep 60`]);
    const ps = await docker(config, id, ['ps', '--format', '{{.Names}}']);
    expect(ps.stdout.split('\n')).toContain(name);
    for (let tries = 0; ; tries++) {
      const logs = await docker(config, id, ['logs', name]);
      if (logs.stdout.includes(`from-the-cli-${kind}`)) break;
      if (tries === 100) throw new Error(`no log line: ${JSON.stringify(logs)}`);
      await Bun.sleep(100);
    }
    // exec: the CLI asks for an upgraded connection, which the front door joins to the daemon's.
    const exec = await docker(config, id, [
      'exec',
      name,
      'sh',
      '-c',
      'echo out-$((6*7)); echo err >&2; exit 3',
    ]);
    expect(exec.stdout).toBe('out-42\n');
    expect(exec.stderr).toBe('err\n');
    expect(exec.code).toBe(3);
    const pull = await docker(config, id, ['pull', bed.images.registryBusybox]);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(bed.images.registryBusybox);
    const removed = await docker(config, id, ['rm', '-f', name]);
    expect(removed.code).toBe(0);
  });

  test('run --rm prints the output and removes the container', async () => {
    const config = dockerConfig(await token(admin, ['*']));
    const id = environments[kind];
    const run = await docker(config, id, [
      'run',
      '--rm',
      ...LABELS,
      bed.images.busybox,
      'echo',
      `attached-${kind}`,
    ]);
    if (kind === 'hawserEdge') {
      // The Hawser protocol has no attach: the CLI is refused the upgrade.
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('unable to upgrade');
      return;
    }
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`attached-${kind}\n`);
    expect(run.code).toBe(0);
  });

  test('a read-only token lists but is refused changes, with the permission named', async () => {
    const config = dockerConfig(await token(admin, ['containers:read', 'environments:read']));
    const id = environments[kind];
    expect((await docker(config, id, ['ps'])).code).toBe(0);
    const refused = await docker(config, id, ['run', '-d', bed.images.busybox, 'true']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('You need the containers:create permission');
    const privileged = dockerConfig(await token(admin, ['containers:*', 'environments:read']));
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

describe.each(['local', 'windflowEdge'] as const)('an interactive exec against %s', (kind: Kind) => {
  test('exec -it gets a terminal', async () => {
    const config = dockerConfig(await token(admin, ['*']));
    const id = environments[kind];
    const name = `${RUN}-${kind}-tty`;
    await runDetached(config, id, name, ['sleep', '60']);
    // `script` gives the CLI the terminal it insists on for -t.
    const cli = `${DOCKER_CLI} -H tcp://127.0.0.1:${listener.port}/api/environments/${id}/docker`;
    const child = Bun.spawn(
      ['script', '-qec', `${cli} exec -it ${name} sh -c 'tty; echo in-a-terminal'`, '/dev/null'],
      {
        env: { PATH: process.env.PATH ?? '', DOCKER_CONFIG: config },
        stdin: 'ignore',
        stdout: 'pipe',
      },
    );
    const output = await new Response(child.stdout).text();
    expect(await child.exited).toBe(0);
    expect(output).toContain('/dev/pts/');
    expect(output).toContain('in-a-terminal');
    expect((await docker(config, id, ['rm', '-f', name])).code).toBe(0);
  });
});

describe('boundaries', () => {
  test('no token, no entry; paths Windflow does not manage are refused', async () => {
    const anonymous = await fetch(
      `http://127.0.0.1:${listener.port}/api/environments/${environments.local}/docker/v1.41/containers/json`,
    );
    expect(anonymous.status).toBe(401);
    const swarm = await admin.call('GET', `/api/environments/${environments.local}/docker/v1.41/swarm`);
    expect(swarm.status).toBe(403);
    expect(swarm.body.code).toBe('ENGINE_PATH_NOT_ALLOWED');
  });

  test("a user's token reaches only the environments the user has a role on", async () => {
    const user = { username: `${RUN}-olga`.slice(0, 30), password: 'operator secret 4242' };
    const created = await admin.call('POST', '/api/users', {
      ...user,
      roles: [{ role: 'operator', environmentId: environments.windflowEdge }],
    });
    expect(created.status).toBe(201);
    const olga = app.session();
    await olga.login(user);
    const secret = await token(olga, ['*']);
    const config = dockerConfig(secret);
    expect((await docker(config, environments.windflowEdge, ['ps'])).code).toBe(0);
    const crossed = await docker(config, environments.local, ['ps']);
    expect(crossed.code).not.toBe(0);
    expect(crossed.stderr).toContain(`on environment ${environments.local}`);
    // The upgrade path checks the same way: an exec on the other environment is refused.
    const exec = await fetch(
      `http://127.0.0.1:${listener.port}/api/environments/${environments.local}/docker/v1.41/exec/x/start`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          connection: 'Upgrade',
          upgrade: 'tcp',
          'content-type': 'application/json',
        },
        body: '{}',
      },
    );
    expect(exec.status).toBe(403);
  });
});
