// LDAP login through the API against the test bed's real slapd, and provider configuration.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const { ldap } = testbed();
let testApp: TestApp;
let admin: ApiSession;

beforeAll(async () => {
  testApp = await startTestApp();
  admin = await testApp.session().setUpAdmin();
});
afterAll(() => testApp.close());

const ldapProvider = (overrides: Record<string, unknown> = {}) => ({
  slug: 'corp',
  kind: 'ldap',
  name: 'Corporate directory',
  secret: ldap.bindPassword,
  settings: {
    url: ldap.tlsUrl,
    tlsCa: readFileSync(ldap.ca, 'utf8'),
    bindDn: ldap.bindDn,
    userBaseDn: `ou=people,${ldap.baseDn}`,
    groupBaseDn: `ou=groups,${ldap.baseDn}`,
  },
  groupRoles: { 'windflow-admins': 'admin', 'windflow-operators': 'operator' },
  ...overrides,
});

test('an LDAP provider is stored without ever returning its bind password, and its test passes', async () => {
  const created = await admin.call('POST', '/api/settings/auth-providers', ldapProvider());
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ slug: 'corp', hasSecret: true });
  expect(created.text).not.toContain(ldap.bindPassword);
  expect((await admin.call('GET', '/api/settings/auth-providers')).text).not.toContain(ldap.bindPassword);
  const checked = await admin.call('POST', '/api/settings/auth-providers/corp/test');
  expect(checked.body).toMatchObject({ ok: true });
  expect((await testApp.session().call('GET', '/api/auth/providers')).body).toEqual([
    { slug: 'corp', kind: 'ldap', name: 'Corporate directory' },
  ]);
  expect((await admin.call('POST', '/api/settings/auth-providers', ldapProvider())).status).toBe(409);
  const badFilter = ldapProvider({
    slug: 'bad',
    settings: { ...ldapProvider().settings, userFilter: '(uid=alice)' },
  });
  expect((await admin.call('POST', '/api/settings/auth-providers', badFilter)).status).toBe(400);
});

test('directory users log in with roles from their groups', async () => {
  const alice = testApp.session();
  expect(
    (await alice.call('POST', '/api/auth/ldap/corp/login', { username: 'alice', password: 'alice-pass' }))
      .status,
  ).toBe(200);
  const me = (await alice.call('GET', '/api/auth/me')).body;
  expect(me.user).toMatchObject({ username: 'alice', source: 'ldap', email: 'alice@windflow.test' });
  expect(me.roles.map((role: { roleName: string }) => role.roleName).sort()).toEqual(['admin', 'operator']);
  expect((await alice.call('GET', '/api/users')).status).toBe(200);

  const bob = testApp.session();
  await bob.call('POST', '/api/auth/ldap/corp/login', { username: 'bob', password: 'bob-pass' });
  expect((await bob.call('GET', '/api/environments')).status).toBe(200);
  expect((await bob.call('GET', '/api/users')).status).toBe(403);
});

test('no mapped group, a wrong password or an unknown provider are refused clearly', async () => {
  const carol = await testApp
    .session()
    .call('POST', '/api/auth/ldap/corp/login', { username: 'carol', password: 'carol-pass' });
  expect(carol).toMatchObject({ status: 403, body: { code: 'NO_ROLE_MAPPED' } });
  const wrong = await testApp
    .session()
    .call('POST', '/api/auth/ldap/corp/login', { username: 'alice', password: 'nope' });
  expect(wrong).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
  const unknown = await testApp
    .session()
    .call('POST', '/api/auth/ldap/nowhere/login', { username: 'alice', password: 'alice-pass' });
  expect(unknown.status).toBe(404);
  const audit = (await admin.call('GET', '/api/audit?action=auth:login&outcome=failure')).body.entries;
  expect(audit.map((entry: { detail: string }) => entry.detail)).toEqual(
    expect.arrayContaining(['ldap corp: NO_ROLE_MAPPED', 'ldap corp: INVALID_CREDENTIALS']),
  );
});

test('a disabled provider cannot be used to log in', async () => {
  expect(
    (await admin.call('PATCH', '/api/settings/auth-providers/corp', { enabled: false })).body.enabled,
  ).toBe(false);
  const answer = await testApp
    .session()
    .call('POST', '/api/auth/ldap/corp/login', { username: 'alice', password: 'alice-pass' });
  expect(answer.status).toBe(404);
});
