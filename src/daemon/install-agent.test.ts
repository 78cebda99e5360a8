// `install.sh --agent`: the built binary installed as an edge agent, under a scratch root (no
// systemd runs here, so install.sh starts it directly, as it says). The agent it starts connects
// to a Windflow; the unit it writes passes systemd-analyze; the token stays in a root-only file,
// out of the unit and the process list; options that would not survive systemd's parsing are
// refused by name.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { BINARY } from '../testing/binary.ts';

const INSTALL = join(import.meta.dir, '..', '..', 'install.sh');
const UNIT_SOURCE = join(import.meta.dir, '..', '..', 'systemd', 'windflow-agent.service');
let app: TestApp;
let root: string;
let port: number;

beforeAll(async () => {
  app = await startTestApp();
  app.app.listen({ hostname: '127.0.0.1', port: 0 });
  port = app.app.server?.port as number;
  root = mkdtempSync(join(tmpdir(), 'windflow-install-root-'));
});

afterAll(async () => {
  const pidFile = join(root, 'run', 'windflow-agent.pid');
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch {
    // not started, or gone already
  }
  rmSync(root, { recursive: true, force: true });
  app.services.agents.close();
  app.app.stop(true);
  await app.close();
});

async function install(args: string[]) {
  const child = Bun.spawn(['bash', INSTALL, '--agent', '--binary', BINARY, ...args], {
    env: { PATH: process.env.PATH ?? '', WINDFLOW_INSTALL_ROOT: root },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

test('installs the binary as an edge agent that connects, with a unit systemd accepts', async () => {
  const admin = await app.session().setUpAdmin();
  const edge = await admin.call('POST', '/api/environments', {
    name: 'installed-edge',
    type: 'edge',
    address: '',
  });
  expect(edge.status).toBe(201);
  const token = edge.body.enrolment.token as string;
  const server = `ws://127.0.0.1:${port}/api/hawser/connect`;
  const installed = await install(['--server', server, '--token', token, '--name', 'installed-agent']);
  expect(installed.stderr).toBe('');
  expect(installed.code).toBe(0);
  expect(installed.stdout).toContain('systemd is not running here: starting the agent directly');

  for (let waited = 0; !app.services.agents.session(edge.body.id); waited += 100) {
    if (waited > 30_000)
      throw new Error(
        `the agent did not connect:\n${readFileSync(join(root, 'var/log/windflow-agent.log'), 'utf8')}`,
      );
    await Bun.sleep(100);
  }
  expect((await admin.call('GET', `/api/environments/${edge.body.id}`)).body.agent.agentName).toBe(
    'installed-agent',
  );

  // The token is in a file only root reads, and nowhere in the process's arguments.
  const envFile = join(root, 'etc/windflow/agent.env');
  expect(statSync(envFile).mode & 0o777).toBe(0o600);
  const settings = readFileSync(envFile, 'utf8');
  expect(settings).toContain(`WINDFLOW_AGENT_TOKEN="${token}"`);
  expect(settings).toContain(`WINDFLOW_AGENT_ARGS="--server ${server} --name installed-agent"`);
  const pid = readFileSync(join(root, 'run/windflow-agent.pid'), 'utf8').trim();
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  expect(commandLine).toContain('agent');
  expect(commandLine).toContain(server);
  expect(commandLine.join(' ')).not.toContain(token);

  // The unit is the repository's, and systemd's own checker accepts it (pointed at this binary).
  const unit = readFileSync(join(root, 'etc/systemd/system/windflow-agent.service'), 'utf8');
  expect(unit).toBe(readFileSync(UNIT_SOURCE, 'utf8'));
  expect(unit).not.toContain(token);
  const checked = join(root, 'windflow-agent.service');
  writeFileSync(checked, unit.replaceAll('/usr/local/bin/windflow', join(root, 'usr/local/bin/windflow')));
  const verify = Bun.spawnSync(['systemd-analyze', 'verify', checked], { stderr: 'pipe' });
  expect(verify.stderr.toString()).toBe('');
  expect(verify.exitCode).toBe(0);

  // Installing again replaces the running agent, which connects in its place.
  const again = await install(['--server', server, '--token', token, '--name', 'installed-agent']);
  expect(again.code).toBe(0);
  const replaced = readFileSync(join(root, 'run/windflow-agent.pid'), 'utf8').trim();
  expect(replaced).not.toBe(pid);
  for (let waited = 0; ; waited += 100) {
    const history = await app.services.agentStore.history(edge.body.id);
    if (
      app.services.agents.session(edge.body.id) &&
      history.filter((entry) => entry.event === 'connected').length >= 2
    )
      break;
    if (waited > 30_000) throw new Error(`the replaced agent did not connect: ${JSON.stringify(history)}`);
    await Bun.sleep(100);
  }
});

test('refuses what the agent service could not run, by name', async () => {
  const noToken = await install(['--server', 'ws://127.0.0.1:1/api/hawser/connect']);
  expect(noToken.code).not.toBe(0);
  expect(noToken.stderr).toContain('--agent needs --token');
  const noMode = await install(['--token', 'abc']);
  expect(noMode.code).not.toBe(0);
  expect(noMode.stderr).toContain('--server URL (edge) or --listen PORT (standard)');
  const spaced = await install(['--server', 'ws://127.0.0.1:1/x y', '--token', 'abc']);
  expect(spaced.code).not.toBe(0);
  expect(spaced.stderr).toContain('cannot contain spaces');
  const quoted = await install(['--listen', ':2376', '--token', 'ab"c']);
  expect(quoted.code).not.toBe(0);
  expect(quoted.stderr).toContain('ab"c');
});
