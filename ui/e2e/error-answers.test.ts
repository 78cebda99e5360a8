// Clear errors instead of internal text, through the listening binary (issue 9, item 9): values
// Docker's decoder or runc would choke on are refused before Docker sees them, a path that is
// not percent-encoding is a 400 even without credentials, a bind source that does not exist is
// Docker's own 400 with a Docker code, and a "registry" that is not one (Windflow itself) fails
// its test and listings with a clear 502.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../../src/docker/client.ts';
import type { ContainerSpec } from '../../src/docker/views.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { ApiSession } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `wf-errors-${process.pid}-${Date.now().toString(36)}`;
let dataDir: string;
let server: RunningBinary;
let admin: ApiSession;
let containers: string;
let names = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-errors-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
  containers = `/api/environments/${(await admin.call('GET', '/api/environments')).body[0].id}/containers`;
});

afterAll(async () => {
  await server?.stop();
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`windflow.test=${run}`] } });
  for (const container of leftovers)
    await docker.removeContainer(container.Id, { force: true }).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function spec(overrides: Partial<ContainerSpec>): ContainerSpec & { start: boolean } {
  return {
    image: bed.images.busybox,
    name: `${run}-${++names}`,
    command: ['sleep', '1'],
    env: {},
    ports: [],
    mounts: [],
    networks: [],
    restartPolicy: 'no',
    labels: { 'windflow.test': run },
    privileged: false,
    capAdd: [],
    capDrop: [],
    tty: false,
    start: false,
    ...overrides,
  };
}

const INTERNAL_TEXT = /Go struct|unmarshal|runc|OCI runtime|shim|URI error/i;

test('out-of-range and NUL-bearing values are refused before Docker, in words', async () => {
  const cases: [Partial<ContainerSpec>, string][] = [
    [{ memory: '99999999999999g' }, 'MEMORY_INVALID'],
    [{ env: { 'A\0B': '1' } }, 'VALIDATION'],
    [{ env: { 'A=B': '1' } }, 'VALIDATION'],
    [{ env: { A: 'x\0y' } }, 'VALIDATION'],
    [{ command: ['sh', '-c', 'echo\0x'] }, 'VALIDATION'],
    [{ healthcheck: { command: 'true', intervalSeconds: 1e12 } }, 'VALIDATION'],
  ];
  for (const [overrides, code] of cases) {
    const body = spec(overrides);
    const answer = await admin.call('POST', containers, body);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.code).toBe(code);
    expect(answer.text).not.toMatch(INTERNAL_TEXT);
    expect(await docker.inspectContainer(body.name as string).catch(() => undefined)).toBeUndefined();
  }
});

test("Docker's own 4xx keeps its message under a Docker code", async () => {
  const answer = await admin.call(
    'POST',
    containers,
    spec({ mounts: [{ type: 'bind', source: `/nonexistent/${run}`, target: '/x', readOnly: false }] }),
  );
  expect(answer.status, answer.text).toBe(400);
  expect(answer.body.code).toBe('DOCKER_BAD_REQUEST');
  expect(answer.body.message).toContain('does not exist');
});

test('a path that is not percent-encoding, or an undecodable cookie, is a 400 or 401, never a 500', async () => {
  for (const path of ['/%', '/%zz', '/api/%', '/assets/%e0%a4%a']) {
    const response = await fetch(`${server.url}${path}`);
    const text = await response.text();
    expect(response.status, `${path}: ${text}`).toBe(400);
    expect(JSON.parse(text).code).toBe('INVALID_PATH');
  }
  const me = await fetch(`${server.url}/api/auth/me`, { headers: { cookie: 'windflow_session=%' } });
  expect(me.status).toBe(401);
  const logged = server.logs.filter((entry) => entry.level === 'error');
  expect(logged).toEqual([]);
});

test('a registry address that is not a registry (Windflow itself) fails clearly', async () => {
  const registry = await admin.call('POST', '/api/registries', { name: 'self', url: server.url });
  expect(registry.status, registry.text).toBe(201);
  for (const [method, path] of [
    ['POST', `/api/registries/${registry.body.id}/test`],
    ['GET', `/api/registries/${registry.body.id}/repositories`],
    ['GET', `/api/registries/${registry.body.id}/tags?repository=x`],
  ] as const) {
    const answer = await admin.call(method, path);
    expect(answer.status, `${path}: ${answer.text}`).toBe(502);
    expect(answer.body.code).toBe('REGISTRY_NOT_A_REGISTRY');
    expect(answer.text).not.toContain('<html');
  }
  // A real registry still passes.
  const real = await admin.call('POST', '/api/registries', {
    name: 'real',
    url: `http://${bed.registry.address}`,
  });
  expect((await admin.call('POST', `/api/registries/${real.body.id}/test`)).status).toBe(200);
  expect((await admin.call('GET', `/api/registries/${real.body.id}/repositories`)).status).toBe(200);
});
