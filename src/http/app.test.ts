// The API in process (app.handle), against the real Docker daemons of the test bed and a real
// SQLite store in a temporary data directory.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { DockerClient } from '../docker/client.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
let testApp: TestApp;
let admin: ApiSession;
let localId: number;
let containerId: string;

const call = (method: string, path: string, body?: unknown) => admin.call(method, path, body);

beforeAll(async () => {
  testApp = await startTestApp();
  admin = await testApp.session().setUpAdmin();
  localId = (
    await testApp.services.environments.create({
      name: 'local',
      type: 'local-socket',
      address: bed.dockerSocket,
    })
  ).id;
  const created = await docker.createContainer(
    { Image: bed.images.busybox, Cmd: ['true'], Labels: { 'windflow.test': '1' } },
    `windflow-http-test-${process.pid}`,
  );
  containerId = created.Id;
});

afterAll(async () => {
  await docker.removeContainer(containerId, { force: true });
  docker.close();
  await testApp.close();
});

test('health answers with status and version', async () => {
  expect(await call('GET', '/api/health')).toMatchObject({
    status: 200,
    body: { status: 'ok', version: '9.9.9-test' },
  });
});

test('the OpenAPI document lists the routes', async () => {
  const { status, body } = await call('GET', '/api/openapi.json');
  expect(status).toBe(200);
  expect(Object.keys(body.paths)).toEqual(
    expect.arrayContaining([
      '/api/health',
      '/api/environments/',
      '/api/environments/{id}',
      '/api/environments/{id}/info',
      '/api/environments/{id}/containers',
      '/api/environments/{id}/images',
      '/api/environments/{id}/volumes',
      '/api/environments/{id}/networks',
    ]),
  );
});

describe('engine reads', () => {
  test('containers with all=1 include a stopped one, without only running ones', async () => {
    const all = await call('GET', `/api/environments/${localId}/containers?all=1`);
    expect(all.status).toBe(200);
    expect(all.body.map((c: { id: string }) => c.id)).toContain(containerId);
    const running = await call('GET', `/api/environments/${localId}/containers`);
    expect(running.body.map((c: { id: string }) => c.id)).not.toContain(containerId);
  });

  test('images, volumes and networks are listed', async () => {
    const images = await call('GET', `/api/environments/${localId}/images`);
    expect(images.body.flatMap((image: { tags: string[] }) => image.tags)).toContain(bed.images.busybox);
    const networks = await call('GET', `/api/environments/${localId}/networks`);
    expect(networks.body.map((network: { name: string }) => network.name)).toEqual(
      expect.arrayContaining(['bridge', 'host', 'none']),
    );
    const volumes = await call('GET', `/api/environments/${localId}/volumes`);
    expect(volumes.status).toBe(200);
    expect(volumes.body).toHaveLength((await docker.listVolumes()).length);
  });

  test('info carries the engine version and counts that match the daemon', async () => {
    const [{ status, body }, info, version] = await Promise.all([
      call('GET', `/api/environments/${localId}/info`),
      docker.info(),
      docker.version(),
    ]);
    expect(status).toBe(200);
    expect(body.engine).toMatchObject({
      version: version.Version,
      apiVersion: version.ApiVersion,
      cpus: info.NCPU,
    });
    expect(body.counts.containers.total).toBe(info.Containers);
    expect(body.counts.images).toBe(info.Images);
    expect(body.counts.networks).toBe((await docker.listNetworks()).length);
  });

  test('an unknown environment is 404 and an unreachable daemon 502 with the reason', async () => {
    expect(await call('GET', '/api/environments/9999/containers')).toMatchObject({
      status: 404,
      body: { code: 'ENVIRONMENT_NOT_FOUND' },
    });
    const gone = await call('POST', '/api/environments', {
      name: 'gone',
      type: 'local-socket',
      address: '/run/windflow-nothing-here.sock',
    });
    const { status, body } = await call('GET', `/api/environments/${gone.body.id}/info`);
    expect(status).toBe(502);
    expect(body.code).toBe('DOCKER_UNREACHABLE');
    expect(body.message).toContain('/run/windflow-nothing-here.sock');
  });
});

describe('environments', () => {
  test('create, read, change and remove', async () => {
    const created = await call('POST', '/api/environments', {
      name: 'staging',
      type: 'tcp',
      address: '10.20.30.40:2375',
      labels: { site: 'paris' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'staging', type: 'tcp', labels: { site: 'paris' } });
    const id = created.body.id;
    expect((await call('GET', `/api/environments/${id}`)).body.address).toBe('10.20.30.40:2375');
    const changed = await call('PATCH', `/api/environments/${id}`, { labels: { site: 'lyon' } });
    expect(changed).toMatchObject({
      status: 200,
      body: { labels: { site: 'lyon' }, address: '10.20.30.40:2375' },
    });
    expect((await call('DELETE', `/api/environments/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/environments/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/api/environments/${id}`)).status).toBe(404);
  });

  test('bad input is refused with a clear 4xx and nothing is stored', async () => {
    const before = (await call('GET', '/api/environments')).body.length;
    const attempts = [
      [{ name: '', type: 'tcp', address: 'a:1' }, 400, 'VALIDATION'],
      [{ name: 'x', type: 'ssh', address: 'a:1' }, 400, 'VALIDATION'],
      [{ name: 'x', type: 'local-socket', address: 'docker.sock' }, 400, 'VALIDATION'],
      [{ name: 'x', type: 'tcp', address: 'no-port' }, 400, 'VALIDATION'],
      [{ name: 'x', type: 'tcp', address: 'host:70000' }, 400, 'VALIDATION'],
      [{ name: 'x', type: 'tcp-tls', address: 'host:2376', tls: { ca: 'pem' } }, 400, 'VALIDATION'],
      [{ name: 'local', type: 'tcp', address: 'a:1' }, 409, 'ENVIRONMENT_NAME_TAKEN'],
    ] as const;
    for (const [body, status, code] of attempts) {
      const answer = await call('POST', '/api/environments', body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status, code });
      expect(answer.body.message.length).toBeGreaterThan(5);
    }
    const malformed = await admin.request('POST', '/api/environments', '{nope', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect((await call('GET', '/api/environments')).body.length).toBe(before);
  });

  test('a tcp-tls environment reaches the TLS daemon, and its key material never comes back', async () => {
    const pem = (path: string) => readFileSync(path, 'utf8');
    const { tlsDaemon } = bed;
    const created = await call('POST', '/api/environments', {
      name: 'tls',
      type: 'tcp-tls',
      address: `${tlsDaemon.host}:${tlsDaemon.port}`,
      tls: { ca: pem(tlsDaemon.ca), cert: pem(tlsDaemon.cert), key: pem(tlsDaemon.key) },
    });
    expect(created.status).toBe(201);
    expect(created.body.tls).toEqual({ ca: true, cert: true, key: true });
    expect(created.text).not.toContain('BEGIN');
    const tested = await call('POST', `/api/environments/${created.body.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body.apiVersion).toMatch(/^1\.\d+$/);
    expect((await call('GET', '/api/environments')).text).not.toContain('PRIVATE KEY');
  });

  test('a route parameter that is not a number is a 400', async () => {
    expect(await call('GET', '/api/environments/abc')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION' },
    });
  });
});

test('unknown API routes answer 404 JSON, not the UI', async () => {
  expect(await call('GET', '/api/nothing-here')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
});
