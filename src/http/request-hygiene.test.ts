// What the listening binary does with odd requests and ordinary ones: negative or absurd numbers
// in queries are refused, a body that does not parse is still audited under its sender, failed
// logins and (at debug) every request are logged, and an API token used in a loop does not write
// to the database on every call.
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_FILE } from '../store/database.ts';
import { type RunningBinary, startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';

let server: RunningBinary;
let dataDir: string;
let admin: ApiSession;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-hygiene-'));
  server = await startBinary({
    dataDir,
    dockerSocket: join(dataDir, 'no-docker.sock'),
    env: { WINDFLOW_LOG_LEVEL: 'debug' },
  });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('negative and absurd numbers in queries are refused with 400 VALIDATION', async () => {
  const queries = [
    '/api/audit?limit=-1',
    '/api/audit?limit=0',
    '/api/audit?limit=100000',
    '/api/audit?offset=-3',
    '/api/environments/1/containers/some-container/logs?tail=-5',
    '/api/environments/1/containers/some-container/logs?tail=1e9',
    '/api/environments/1/containers/some-container/logs?since=-1',
  ];
  const answers = await Promise.all(
    queries.map(async (query) => {
      const answer = await admin.call('GET', query);
      return `${query} -> ${answer.status} ${answer.body?.code}`;
    }),
  );
  expect(answers).toEqual(queries.map((query) => `${query} -> 400 VALIDATION`));
});

test('a body that does not parse is audited under the user who sent it', async () => {
  const answer = await admin.request('POST', '/api/environments', '{"name": "half', {
    'content-type': 'application/json',
  });
  expect(answer.status).toBe(400);
  const { entries } = (await admin.call('GET', '/api/audit?outcome=failure')).body;
  expect(entries).toContainEqual(
    expect.objectContaining({ target: '/api/environments', status: 400, username: 'admin' }),
  );
});

test('failed logins are logged at warn, and every request at debug', async () => {
  await ApiSession.forServer(server.url).login({ username: 'mallory', password: 'a wrong guess' });
  await admin.call('GET', '/api/auth/me');
  await Bun.sleep(200);
  expect(server.logs).toContainEqual(
    expect.objectContaining({
      level: 'warn',
      msg: 'login failed',
      username: 'mallory',
      sourceIp: '127.0.0.1',
    }),
  );
  expect(server.logs).toContainEqual(
    expect.objectContaining({
      level: 'debug',
      msg: 'request',
      method: 'GET',
      path: '/api/auth/me',
      status: 200,
      user: 'admin',
    }),
  );
});

test("a token's uses are written at most once a minute, together, not once per call", async () => {
  const created = await admin.call('POST', '/api/auth/tokens', { name: 'loop', scope: ['audit:read'] });
  const script = ApiSession.forServer(server.url).withToken(created.body.secret);
  const wal = join(dataDir, `${SQLITE_FILE}-wal`);
  const before = statSync(wal).size;
  for (let call = 0; call < 200; call++) expect((await script.call('GET', '/api/auth/me')).status).toBe(200);
  const grown = statSync(wal).size - before;
  // One page and its frame header per write: 200 writes would be about 800 KiB.
  expect(grown).toBeLessThan(4 * 4096);
  const listed = (await admin.call('GET', '/api/auth/tokens')).body;
  expect(listed.find((token: { id: number }) => token.id === created.body.id).lastUsedAt).not.toBeNull();
  // Stopping writes what was noted.
  expect(await server.stop()).toBe(0);
  const db = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
  const row = db.query('SELECT last_used_at FROM api_tokens WHERE id = ?').get(created.body.id) as {
    last_used_at: string | null;
  };
  db.close();
  expect(Date.parse(row.last_used_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
});
