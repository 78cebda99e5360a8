// A saved registry's password goes only to its own host (issue 9, item 3), through the listening
// binary: a pull naming another host with its registryId is refused before the daemon sees the
// credentials, and moving a registry to another host needs the password again. A listener that
// records every Authorization header stands in for the host that should never see them.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { ApiSession } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const saved = bed.authRegistries.basic;
let dataDir: string;
let server: RunningBinary;
let admin: ApiSession;
let registryId: number;
let environmentId: number;
const seen: string[] = [];
const stranger = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request) {
    const authorization = request.headers.get('authorization');
    if (authorization) seen.push(authorization);
    if (!authorization) {
      return new Response('{}', { status: 401, headers: { 'www-authenticate': 'Basic realm="stranger"' } });
    }
    return new Response('{}', { status: 404 });
  },
});
const strangerHost = `127.0.0.1:${stranger.port}`;
const leakedPassword = () =>
  seen.some((header) =>
    Buffer.from(header.replace(/^Basic /, ''), 'base64')
      .toString()
      .includes(saved.password),
  );

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-registry-creds-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
  environmentId = (await admin.call('GET', '/api/environments')).body[0].id;
  const registry = await admin.call('POST', '/api/registries', {
    name: 'private',
    url: `http://${saved.address}`,
    username: saved.username,
    password: saved.password,
  });
  expect(registry.status, registry.text).toBe(201);
  registryId = registry.body.id;
});

afterAll(async () => {
  await server?.stop();
  stranger.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
});

test("a pull from another host with a saved registry's id is refused; the credentials stay home", async () => {
  const pull = await admin.call('POST', `/api/environments/${environmentId}/images/pull`, {
    reference: `${strangerHost}/x:latest`,
    registryId,
  });
  expect(pull.status, pull.text).toBe(400);
  expect(pull.body.code).toBe('REGISTRY_HOST_MISMATCH');
  expect(pull.body.message).toContain(`holds credentials for ${saved.address}`);
  // The same for a push, and for a registry named by the host in the reference's own way.
  const push = await admin.call('POST', `/api/environments/${environmentId}/images/push`, {
    reference: `${strangerHost}/x:latest`,
    registryId,
  });
  expect(push.status, push.text).toBe(400);
  // Its own host is still served.
  const own = await admin.call('POST', `/api/environments/${environmentId}/images/pull`, {
    reference: `${saved.address}/not-there:latest`,
    registryId,
  });
  expect(own.status, own.text).toBe(202);
  await Bun.sleep(1500);
  expect(leakedPassword()).toBe(false);
});

test('moving a registry to another host needs its password again; the old one never goes there', async () => {
  const moved = await admin.call('PATCH', `/api/registries/${registryId}`, { url: `http://${strangerHost}` });
  expect(moved.status, moved.text).toBe(400);
  expect(moved.body.code).toBe('REGISTRY_PASSWORD_REQUIRED');
  expect((await admin.call('GET', '/api/registries')).body[0].url).toBe(`http://${saved.address}`);
  // Still the old host: the test reaches it and passes.
  const check = await admin.call('POST', `/api/registries/${registryId}/test`);
  expect(check.status, check.text).toBe(200);
  // Renaming, or a new scheme on the same host, keeps the password.
  expect((await admin.call('PATCH', `/api/registries/${registryId}`, { name: 'renamed' })).status).toBe(200);
  expect(
    (await admin.call('PATCH', `/api/registries/${registryId}`, { url: `http://${saved.address}/` })).status,
  ).toBe(200);
  // With a new password it moves, and only the new password is sent there.
  const withPassword = await admin.call('PATCH', `/api/registries/${registryId}`, {
    url: `http://${strangerHost}`,
    password: 'only-for-the-stranger',
  });
  expect(withPassword.status, withPassword.text).toBe(200);
  await admin.call('POST', `/api/registries/${registryId}/test`);
  expect(seen.length).toBeGreaterThan(0);
  expect(leakedPassword()).toBe(false);
  expect(Buffer.from(seen.at(-1)?.replace(/^Basic /, '') ?? '', 'base64').toString()).toBe(
    `${saved.username}:only-for-the-stranger`,
  );
});
