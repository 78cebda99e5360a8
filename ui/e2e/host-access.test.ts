// Host-level powers through the listening binary (issue 9, items 2 and 10): bind mounts outside an
// environment's allowed paths, the Docker socket, privileged mode, added capabilities and volumes
// over host paths need host:access, tried as an operator session, an operator's token, admin
// tokens with and without it, and on a second environment whose policy differs. Mounts reach the
// Engine structured, so a path with a colon or comma stays one path; a hostname stays one line.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../src/docker/client.ts';
import type { ContainerSpec } from '../../src/docker/views.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `wf-host-${process.pid}-${Date.now().toString(36)}`;
const scope = { 'windflow.test': run };
const OPERATOR = { username: 'alice', password: 'orange staple horse galaxy' };
const EDITOR = { username: 'bob', password: 'purple staple horse galaxy' };

let dataDir: string;
let hostDir: string;
let server: RunningBinary;
let admin: ApiSession;
let operator: ApiSession;
let editor: ApiSession;
/** The local environment (closed policy) and a second one on the same daemon that allows hostDir. */
let closedEnv: number;
let openEnv: number;
let names = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-host-access-'));
  hostDir = mkdtempSync(join(tmpdir(), 'windflow-host-dir-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
  closedEnv = (await admin.call('GET', '/api/environments')).body[0].id;
  const second = await admin.call('POST', '/api/environments', {
    name: 'open',
    type: 'local-socket',
    address: bed.dockerSocket,
    hostPolicy: { allowedBindPaths: [hostDir], openPowers: ['capabilities'] },
  });
  expect(second.status, second.text).toBe(201);
  openEnv = second.body.id;
  const role = await admin.call('POST', '/api/roles', {
    name: 'env-editor',
    description: 'edits environments, no host access',
    grants: ['environments:*', 'containers:*'],
  });
  expect(role.status, role.text).toBe(201);
  for (const [credentials, roleName] of [
    [OPERATOR, 'operator'],
    [EDITOR, 'env-editor'],
  ] as const) {
    const user = await admin.call('POST', '/api/users', { ...credentials, roles: [{ role: roleName }] });
    expect(user.status, user.text).toBe(201);
  }
  operator = ApiSession.forServer(server.url);
  expect((await operator.login(OPERATOR)).status).toBe(200);
  editor = ApiSession.forServer(server.url);
  expect((await editor.login(EDITOR)).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`windflow.test=${run}`] } });
  for (const container of leftovers)
    await docker.removeContainer(container.Id, { force: true }).catch(() => {});
  for (const volume of [`${run}-etc`, `${run}-ok`])
    await docker.request('DELETE', `/volumes/${volume}`).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(hostDir, { recursive: true, force: true });
});

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: bed.images.busybox,
    name: `${run}-${++names}`,
    command: ['sh', '-c', 'trap exit TERM; sleep 300 & wait'],
    env: {},
    ports: [],
    mounts: [],
    networks: [],
    restartPolicy: 'no',
    labels: scope,
    privileged: false,
    capAdd: [],
    capDrop: [],
    tty: false,
    ...overrides,
  };
}

const bind = (source: string, target = '/host') => ({
  type: 'bind' as const,
  source,
  target,
  readOnly: false,
});

async function tokenFor(session: ApiSession, tokenScope: string[]): Promise<ApiSession> {
  const answer = await session.call('POST', '/api/auth/tokens', { name: `t${++names}`, scope: tokenScope });
  expect(answer.status, answer.text).toBe(201);
  return ApiSession.forServer(server.url).withToken(answer.body.secret);
}

async function expectRefused(
  caller: ApiSession,
  env: number,
  overrides: Partial<ContainerSpec>,
  reason: string,
) {
  const body = spec(overrides);
  const answer = await caller.call('POST', `/api/environments/${env}/containers`, body);
  expect(answer.status, answer.text).toBe(403);
  expect(answer.body.code).toBe('HOST_ACCESS_REQUIRED');
  expect(answer.body.message).toContain(reason);
  // Nothing was created.
  expect(await docker.inspectContainer(body.name as string).catch(() => undefined)).toBeUndefined();
}

/** Privileged containers are created but not started: this test bed's daemon may not hold every capability. */
async function expectCreated(caller: ApiSession, env: number, overrides: Partial<ContainerSpec>) {
  const start = !overrides.privileged;
  const answer = await caller.call('POST', `/api/environments/${env}/containers`, {
    ...spec(overrides),
    start,
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id as string;
}

describe('host powers need host:access', () => {
  test('an operator session is refused each host power, and named what it asked for', async () => {
    await expectRefused(operator, closedEnv, { mounts: [bind('/')] }, 'mounts the Docker socket');
    await expectRefused(operator, closedEnv, { mounts: [bind('/etc')] }, 'bind-mounts /etc');
    await expectRefused(
      operator,
      closedEnv,
      { mounts: [bind('/var/run/docker.sock', '/var/run/docker.sock')] },
      'mounts the Docker socket',
    );
    await expectRefused(operator, closedEnv, { privileged: true }, 'runs privileged');
    await expectRefused(operator, closedEnv, { capAdd: ['ALL'] }, 'adds the capabilities ALL');
    await expectRefused(operator, closedEnv, { mounts: [bind(hostDir)] }, `bind-mounts ${hostDir}`);
    // Plain containers and named volumes are still theirs to run.
    await expectCreated(operator, closedEnv, {
      mounts: [{ type: 'volume', source: `${run}-ok`, target: '/v', readOnly: false }],
    });
  });

  test("another environment's policy opens its own paths and powers, never the socket", async () => {
    await expectCreated(operator, openEnv, { mounts: [bind(join(hostDir))], capAdd: ['NET_ADMIN'] });
    await expectRefused(operator, openEnv, { mounts: [bind(`${hostDir}/../`)] }, 'bind-mounts');
    await expectRefused(operator, openEnv, { privileged: true }, 'runs privileged');
    await expectRefused(operator, openEnv, { mounts: [bind('/run')] }, 'mounts the Docker socket');
    // What is open on one environment stays closed on the other.
    await expectRefused(operator, closedEnv, { capAdd: ['NET_ADMIN'] }, 'NET_ADMIN');
  });

  test("an operator's token, and an admin token without host:access, are refused; an admin token is not", async () => {
    const operatorToken = await tokenFor(operator, ['containers:*']);
    await expectRefused(operatorToken, closedEnv, { privileged: true }, 'runs privileged');
    const operatorWideToken = await tokenFor(operator, ['*']);
    await expectRefused(operatorWideToken, closedEnv, { mounts: [bind('/')] }, 'Docker socket');
    const narrowAdminToken = await tokenFor(admin, ['containers:*']);
    await expectRefused(narrowAdminToken, closedEnv, { privileged: true }, 'runs privileged');
    const hostAdminToken = await tokenFor(admin, ['containers:*', 'host:access']);
    await expectCreated(hostAdminToken, closedEnv, { privileged: true, capAdd: ['NET_ADMIN'] });
    const adminToken = await tokenFor(admin, ['*']);
    await expectCreated(adminToken, closedEnv, { mounts: [bind(hostDir)] });
  });

  test('editing a privileged container needs host:access; a refused edit leaves it as it was', async () => {
    const body = spec({ privileged: true });
    const created = await admin.call('POST', `/api/environments/${closedEnv}/containers`, {
      ...body,
      start: false,
    });
    expect(created.status, created.text).toBe(201);
    const path = `/api/environments/${closedEnv}/containers/${created.body.id}`;
    const form = (await operator.call('GET', `${path}/spec`)).body;
    const edit = await operator.call('PUT', path, { ...form, env: { CHANGED: '1' } });
    expect(edit.status, edit.text).toBe(403);
    expect(edit.body.code).toBe('HOST_ACCESS_REQUIRED');
    const after = await docker.inspectContainer(created.body.id);
    expect(after.Name).toBe(`/${body.name}`);
    expect(after.Id).toBe(created.body.id);
    expect(after.Config.Env).not.toContain('CHANGED=1');
    const byAdmin = await admin.call('PUT', path, { ...form, env: { CHANGED: '1' } });
    expect(byAdmin.status, byAdmin.text).toBe(200);
    const recreated = await docker.inspectContainer(byAdmin.body.id);
    expect((recreated.HostConfig as { Privileged: boolean }).Privileged).toBe(true);
  });

  test('a volume over a host path is a bind mount in disguise', async () => {
    const answer = await operator.call('POST', `/api/environments/${closedEnv}/volumes`, {
      name: `${run}-etc`,
      driverOptions: { type: 'none', o: 'bind', device: '/etc' },
    });
    expect(answer.status, answer.text).toBe(403);
    expect(answer.body.code).toBe('HOST_ACCESS_REQUIRED');
    expect(await docker.request('GET', `/volumes/${run}-etc`).catch(() => undefined)).toBeUndefined();
  });

  test('only holders of host:access change what an environment opens', async () => {
    const open = { hostPolicy: { allowedBindPaths: ['/'], openPowers: ['privileged'] } };
    const byOperator = await operator.call('PATCH', `/api/environments/${closedEnv}`, open);
    expect(byOperator.status).toBe(403);
    const byEditor = await editor.call('PATCH', `/api/environments/${closedEnv}`, open);
    expect(byEditor.status, byEditor.text).toBe(403);
    expect(byEditor.body.code).toBe('HOST_ACCESS_REQUIRED');
    const created = await editor.call('POST', '/api/environments', {
      name: 'sneaky',
      type: 'local-socket',
      address: bed.dockerSocket,
      ...open,
    });
    expect(created.status, created.text).toBe(403);
    // The rest of the environment is still theirs to edit.
    const renamed = await editor.call('PATCH', `/api/environments/${openEnv}`, { labels: { site: 'lab' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.hostPolicy.allowedBindPaths).toEqual([hostDir]);
    const env = await admin.call('GET', `/api/environments/${closedEnv}`);
    expect(env.body.hostPolicy).toEqual({ allowedBindPaths: [], openPowers: [] });
  });
});

describe('mounts and single-line fields', () => {
  test('a bind path with a colon and a comma reaches the Engine whole, read-only, and reads back', async () => {
    const odd = join(hostDir, 'a:b,z');
    mkdirSync(odd);
    const id = await expectCreated(admin, closedEnv, {
      mounts: [{ type: 'bind', source: odd, target: '/y', readOnly: true }],
    });
    const inspect = await docker.inspectContainer(id);
    const mounts = inspect.Mounts as { Type: string; Source: string; Destination: string; RW: boolean }[];
    expect(mounts).toEqual([
      expect.objectContaining({ Type: 'bind', Source: odd, Destination: '/y', RW: false }),
    ]);
    const form = await admin.call('GET', `/api/environments/${closedEnv}/containers/${id}/spec`);
    expect(form.body.mounts).toEqual([{ type: 'bind', source: odd, target: '/y', readOnly: true }]);
  });

  test('a hostname, user or working directory with a line break is refused before Docker', async () => {
    for (const overrides of [{ hostname: 'web\nevil' }, { user: 'root\n' }, { workingDir: '/tmp\n/x' }]) {
      const body = spec(overrides);
      const answer = await admin.call('POST', `/api/environments/${closedEnv}/containers`, body);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.code).toBe('VALIDATION');
      expect(await docker.inspectContainer(body.name as string).catch(() => undefined)).toBeUndefined();
    }
  });
});

test("the environment form shows and saves an environment's host access", async () => {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await logInPage(page, server.url);
    await page.goto(`${server.url}/environments`);
    await page
      .getByRole('listitem')
      .filter({ hasText: 'open' })
      .getByRole('button', { name: 'Edit' })
      .click();
    const section = page.getByTestId('environment-form').getByTestId('host-access');
    const paths = section.getByRole('textbox');
    expect(await paths.inputValue()).toBe(hostDir);
    expect(await section.getByLabel('Added capabilities').isChecked()).toBe(true);
    await paths.fill(`${hostDir}\n/srv/apps/`);
    await section.getByLabel('Devices').check();
    await page.getByTestId('environment-form').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('environment-form').waitFor({ state: 'detached' });
    const saved = await admin.call('GET', `/api/environments/${openEnv}`);
    expect(saved.body.hostPolicy).toEqual({
      allowedBindPaths: [hostDir, '/srv/apps'],
      openPowers: ['capabilities', 'devices'],
    });
  } finally {
    await browser.close();
  }
});
