// Environment addresses through the listening binary (issue 9, item 11): link-local and cloud
// metadata hosts, files, directories and Windflow's own data directory are refused as
// addresses; a TCP address where some other service answers fails its test with a generic
// "not a Docker Engine API" that echoes nothing of that service's reply.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { ApiSession } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const SECRET = 'internal-service-secret-7731';
let dataDir: string;
let server: RunningBinary;
let admin: ApiSession;
let names = 0;

/** Web services that are not Docker: plain text, a JSON error, JSON without a version document. */
const services = [
  Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(`hello from ${SECRET}`) }),
  Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => Response.json({ message: SECRET }, { status: 404 }),
  }),
  Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => Response.json({ Version: SECRET, note: SECRET }),
  }),
  Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(`{"${SECRET}`, { headers: { 'content-type': 'application/json' } }),
  }),
];
/** And a TCP service that is not HTTP at all. */
const banner = Bun.listen({
  hostname: '127.0.0.1',
  port: 0,
  socket: {
    open(socket) {
      socket.write(`SSH-2.0-${SECRET}\r\n`);
    },
    data() {},
  },
});

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-addresses-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
});

afterAll(async () => {
  await server?.stop();
  for (const service of services) service.stop(true);
  banner.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
});

const create = (type: string, address: string) =>
  admin.call('POST', '/api/environments', { name: `env-${++names}`, type, address });

test('link-local and cloud metadata hosts are refused', async () => {
  for (const address of [
    '169.254.169.254:80',
    '169.254.1.1:2375',
    '[fe80::1]:2375',
    '[::ffff:169.254.169.254]:80',
    '[fd00:ec2::254]:80',
    '100.100.100.200:80',
    'metadata.google.internal:80',
    '0.0.0.0:2375',
  ]) {
    const answer = await create('tcp', address);
    expect(answer.status, `${address}: ${answer.text}`).toBe(400);
    expect(answer.body.code).toBe('ADDRESS_NOT_ALLOWED');
  }
  // The same when an environment is moved there.
  const fine = await create('tcp', '10.20.30.40:2375');
  expect(fine.status, fine.text).toBe(201);
  const moved = await admin.call('PATCH', `/api/environments/${fine.body.id}`, {
    address: '169.254.169.254:80',
  });
  expect(moved.status).toBe(400);
  expect(moved.body.code).toBe('ADDRESS_NOT_ALLOWED');
});

test("a socket path must be a socket, never a file, a directory or Windflow's data", async () => {
  for (const address of [
    '/etc/shadow',
    '/etc',
    dataDir,
    join(dataDir, 'windflow.db'),
    join(dataDir, 'x.sock'),
  ]) {
    const answer = await create('local-socket', address);
    expect(answer.status, `${address}: ${answer.text}`).toBe(400);
    expect(answer.body.code).toBe('VALIDATION');
  }
  const socket = await create('local-socket', bed.dockerSocket);
  expect(socket.status, socket.text).toBe(201);
  expect((await admin.call('POST', `/api/environments/${socket.body.id}/test`)).status).toBe(200);
});

test('a service that is not Docker fails the test and every call, echoing nothing of its reply', async () => {
  const ports = [...services.map((service) => service.port), banner.port];
  for (const port of ports) {
    const environment = await create('tcp', `127.0.0.1:${port}`);
    expect(environment.status, environment.text).toBe(201);
    for (const [method, path] of [
      ['POST', `/api/environments/${environment.body.id}/test`],
      ['GET', `/api/environments/${environment.body.id}/containers`],
    ] as const) {
      const answer = await admin.call(method, path);
      expect(answer.status, `${port} ${path}: ${answer.text}`).toBe(502);
      expect(answer.text).not.toContain(SECRET);
      if (port !== banner.port) expect(answer.body.code).toBe('NOT_DOCKER_ENGINE');
    }
  }
});
