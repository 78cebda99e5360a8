// Every registered route declares who may call it, and the declaration holds: anonymous callers
// get 401 from everything but public routes, a viewer gets 403 from every route that needs a
// permission the viewer role lacks, and through the listening binary an admin's API token gets
// 403 from every route whose permission its scope lacks, and from every account route (tokens,
// sessions, password, second factor) unless it holds the `account` scope.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PERMISSIONS, BUILTIN_ROLES, grantCovers, type Permission } from '../auth/permissions.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { type RunningBinary, startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';
import { assertEveryRouteDeclaresAccess, declaredAccess } from './access.ts';

const VIEWER = { username: 'vera', password: 'viewer secret 4242' };
let testApp: TestApp;
let viewer: ApiSession;
let environmentId: number;

beforeAll(async () => {
  testApp = await startTestApp();
  const admin = await testApp.session().setUpAdmin();
  environmentId = (
    await admin.call('POST', '/api/environments', {
      name: 'local',
      type: 'local-socket',
      address: testbed().dockerSocket,
    })
  ).body.id;
  await admin.call('POST', '/api/users', { ...VIEWER, roles: [{ role: 'viewer' }] });
  viewer = testApp.session();
  await viewer.login(VIEWER);
});
afterAll(() => testApp.close());

const apiRoutes = () =>
  testApp.app.routes.filter(
    (route) => route.path.startsWith('/api/') && !['/api/openapi.json', '/api/docs'].includes(route.path),
  );

/** A concrete URL for a route pattern: parameters get plausible values. */
function urlFor(path: string, environment = environmentId): string {
  return path
    .replace(':id', String(environment))
    .replace(':sessionId', 'a'.repeat(64))
    .replace(/:[A-Za-z]+/g, '1')
    .replace('/*', '/anything');
}

const WEBSOCKET_UPGRADE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** Calls a route as `session`; a WebSocket route is asked for its upgrade. */
function callRoute(
  session: ApiSession,
  route: { method: string; path: string },
  environment = environmentId,
) {
  const url = urlFor(route.path, environment);
  if (route.method === 'WS') return session.call('GET', url, undefined, WEBSOCKET_UPGRADE);
  return session.call(route.method, url, route.method === 'GET' ? undefined : {});
}

test('every route declares its access', () => {
  expect(() => assertEveryRouteDeclaresAccess(testApp.app.routes)).not.toThrow();
  expect(apiRoutes().length).toBeGreaterThan(30);
});

test('a route without a declaration is refused at start-up', () => {
  const undeclared = { method: 'POST', path: '/api/forgotten', hooks: {} };
  expect(() => assertEveryRouteDeclaresAccess([...testApp.app.routes, undeclared])).toThrow(
    'routes without an access declaration: POST /api/forgotten',
  );
});

describe('anonymous callers', () => {
  test('get 401 from every route that is not public', async () => {
    const anonymous = testApp.session();
    const leaks: string[] = [];
    for (const route of apiRoutes()) {
      if (declaredAccess(route) === 'public') continue;
      const answer = await callRoute(anonymous, route);
      if (answer.status !== 401) leaks.push(`${route.method} ${route.path} -> ${answer.status}`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('under-privileged callers', () => {
  test('a viewer gets 403 from every route needing a permission the viewer role lacks', async () => {
    const viewerGrants = BUILTIN_ROLES.viewer.grants;
    const leaks: string[] = [];
    let checked = 0;
    for (const route of apiRoutes()) {
      const access = declaredAccess(route);
      if (access === 'public' || access === 'authenticated' || access === 'account' || access === undefined)
        continue;
      if (viewerGrants.some((grant) => grantCovers(grant, access as Permission))) continue;
      checked++;
      const answer = await callRoute(viewer, route);
      if (answer.status !== 403) leaks.push(`${route.method} ${route.path} (${access}) -> ${answer.status}`);
    }
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });
});

describe('API tokens through the listening binary', () => {
  let server: RunningBinary;
  let admin: ApiSession;
  let dataDir: string;
  /** An environment no Docker answers on: a check that failed to refuse could harm nothing. */
  let nowhere: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'windflow-routes-'));
    server = await startBinary({ dataDir, dockerSocket: join(dataDir, 'no-docker.sock') });
    admin = await ApiSession.forServer(server.url).setUpAdmin();
    nowhere = (
      await admin.call('POST', '/api/environments', { name: 'nowhere', type: 'tcp', address: '127.0.0.1:9' })
    ).body.id;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const tokenSession = async (scope: string[]) => {
    const created = await admin.call('POST', '/api/auth/tokens', {
      name: scope.join(' ').slice(0, 64),
      scope,
    });
    if (created.status !== 201) throw new Error(`token not created: ${created.text}`);
    return ApiSession.forServer(server.url).withToken(created.body.secret);
  };

  test("an admin's token gets 403 from every route whose permission its scope lacks", async () => {
    const leaks: string[] = [];
    let checked = 0;
    for (const permission of ALL_PERMISSIONS) {
      const routes = apiRoutes().filter((route) => declaredAccess(route) === permission);
      if (routes.length === 0) continue;
      const lacking = await tokenSession([
        ...ALL_PERMISSIONS.filter((other) => other !== permission),
        'account',
      ]);
      for (const route of routes) {
        checked++;
        const answer = await callRoute(lacking, route, nowhere);
        if (answer.status !== 403 || answer.body?.code !== 'FORBIDDEN')
          leaks.push(
            `${route.method} ${route.path} (${permission}) -> ${answer.status} ${answer.text.slice(0, 80)}`,
          );
      }
    }
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(60);
  });

  test('a token without the account scope manages no tokens, sessions, password or second factor', async () => {
    const containersOnly = await tokenSession(['containers:read']);
    expect(
      (await containersOnly.call('POST', '/api/auth/tokens', { name: 'escalated', scope: ['*'] })).status,
    ).toBe(403);
    const everyPermission = await tokenSession(['*']);
    const before = (await admin.call('GET', '/api/auth/tokens')).body.length;
    const leaks: string[] = [];
    const accountRoutes = apiRoutes().filter((route) => declaredAccess(route) === 'account');
    for (const route of accountRoutes) {
      const answer = await callRoute(everyPermission, route, nowhere);
      if (answer.status !== 403 || answer.body?.code !== 'ACCOUNT_SCOPE_REQUIRED')
        leaks.push(`${route.method} ${route.path} -> ${answer.status} ${answer.text.slice(0, 80)}`);
    }
    expect(leaks).toEqual([]);
    expect(accountRoutes.length).toBeGreaterThanOrEqual(10);
    expect((await admin.call('GET', '/api/auth/tokens')).body.length).toBe(before);
    expect((await admin.call('GET', '/api/auth/me')).status).toBe(200);
    // What every caller may do, a narrow token may too.
    const narrow = await tokenSession(['audit:read']);
    for (const route of apiRoutes().filter((route) => declaredAccess(route) === 'authenticated')) {
      if (route.path === '/api/auth/logout') continue;
      expect({ route: route.path, status: (await callRoute(narrow, route, nowhere)).status }).toEqual({
        route: route.path,
        status: 200,
      });
    }
  });

  test('a token with the account scope only creates tokens within its own scope', async () => {
    const narrow = await tokenSession(['containers:read', 'account']);
    const mint = (session: ApiSession, scope: string[]) =>
      session.call('POST', '/api/auth/tokens', { name: 'minted', scope });
    for (const wider of [['*'], ['containers:*'], ['containers:read', 'images:read'], ['users:manage']]) {
      expect({ wider, answer: (await mint(narrow, wider)).body?.code }).toEqual({
        wider,
        answer: 'SCOPE_EXCEEDS_TOKEN',
      });
    }
    expect((await mint(narrow, ['containers:read'])).status).toBe(201);
    expect((await mint(narrow, ['containers:read', 'account'])).status).toBe(201);
    const family = await tokenSession(['containers:*', 'account']);
    expect((await mint(family, ['containers:logs', 'containers:read'])).status).toBe(201);
    expect((await mint(family, ['containers:*'])).status).toBe(201);
    expect((await mint(family, ['images:*'])).status).toBe(403);
    // '*' is every permission, not account management: it cannot hand out `account`.
    const everything = await tokenSession(['*', 'account']);
    expect((await mint(everything, ['*'])).status).toBe(201);
    const minted = (await mint(everything, ['*'])).body.secret;
    const child = ApiSession.forServer(server.url).withToken(minted);
    expect((await child.call('GET', '/api/auth/tokens')).status).toBe(403);
  });
});
