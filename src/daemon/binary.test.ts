// The built binary across restarts: users, sessions, tokens and sealed secrets survive, and a
// different encryption key is refused at start instead of corrupting anything.
import { afterAll, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARY, startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

test('users, sessions, tokens and secrets survive a restart and a key rotation; a wrong key is refused', async () => {
  const port = freePort();
  const first = await startBinary({ dataDir, dockerSocket: bed.dockerSocket, port });
  const api = await ApiSession.forServer(first.url).setUpAdmin();
  const pem = (path: string) => readFileSync(path, 'utf8');
  const tls = await api.call('POST', '/api/environments', {
    name: 'tls',
    type: 'tcp-tls',
    address: `${bed.tlsDaemon.host}:${bed.tlsDaemon.port}`,
    tls: { ca: pem(bed.tlsDaemon.ca), cert: pem(bed.tlsDaemon.cert), key: pem(bed.tlsDaemon.key) },
  });
  expect(tls.status).toBe(201);
  const token = (await api.call('POST', '/api/auth/tokens', { name: 'ci', scope: ['environments:read'] }))
    .body.secret;
  expect(await first.stop()).toBe(0);

  const second = await startBinary({ dataDir, dockerSocket: bed.dockerSocket, port });
  expect((await api.call('GET', '/api/auth/me')).body.user.username).toBe('admin');
  expect((await api.call('POST', `/api/environments/${tls.body.id}/test`)).status).toBe(200);
  expect(
    (await ApiSession.forServer(second.url).withToken(token).call('GET', '/api/environments')).status,
  ).toBe(200);
  expect(await second.stop()).toBe(0);

  const keyFile = join(dataDir, 'secret.key');
  const oldKey = readFileSync(keyFile, 'utf8');
  const rotation = Bun.spawnSync([BINARY, 'rotate-key', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH ?? '' },
  });
  expect(rotation.exitCode).toBe(0);
  expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
  const third = await startBinary({ dataDir, dockerSocket: bed.dockerSocket, port });
  expect((await api.call('POST', `/api/environments/${tls.body.id}/test`)).status).toBe(200);
  expect(await third.stop()).toBe(0);

  const wrongKey = randomBytes(32).toString('base64');
  const refused = await startBinary({
    dataDir,
    dockerSocket: bed.dockerSocket,
    env: { WINDFLOW_ENCRYPTION_KEY: wrongKey },
  }).catch((error: Error) => error);
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toContain('exited with 1');
  expect((refused as Error).message).toContain(
    'the encryption key is not the one this database was set up with',
  );
  expect((refused as Error).message).not.toContain('    at ');
});
