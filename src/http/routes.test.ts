// Every registered route declares who may call it, and the declaration holds: anonymous callers
// get 401 from everything but public routes, and a viewer gets 403 from every route that needs a
// permission the viewer role lacks.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { BUILTIN_ROLES, grantCovers, type Permission } from '../auth/permissions.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
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
function urlFor(path: string): string {
  return path
    .replace(':id', String(environmentId))
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
function callRoute(session: ApiSession, route: { method: string; path: string }) {
  if (route.method === 'WS') return session.call('GET', urlFor(route.path), undefined, WEBSOCKET_UPGRADE);
  return session.call(route.method, urlFor(route.path), route.method === 'GET' ? undefined : {});
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
      if (access === 'public' || access === 'authenticated' || access === undefined) continue;
      if (viewerGrants.some((grant) => grantCovers(grant, access as Permission))) continue;
      checked++;
      const answer = await callRoute(viewer, route);
      if (answer.status !== 403) leaks.push(`${route.method} ${route.path} (${access}) -> ${answer.status}`);
    }
    expect(leaks).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });
});
