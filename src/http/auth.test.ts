// Login, sessions, CSRF, lockout, API tokens, MFA and the audit trail, through the real app.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generate } from 'otplib';
import { purgeExpiredAuditEntries } from '../jobs/audit-retention.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { type ApiSession, TEST_ADMIN_CREDENTIALS } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

let testApp: TestApp;
let admin: ApiSession;
const OPERATOR = { username: 'olivia', password: 'operator secret 4242' };
const VIEWER = { username: 'victor', password: 'viewer secret 4242' };

beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp.close());

describe('first run', () => {
  test('before the first admin exists, every protected route answers 401 SETUP_REQUIRED', async () => {
    const anonymous = testApp.session();
    expect((await anonymous.call('GET', '/api/health')).status).toBe(200);
    expect((await anonymous.call('GET', '/api/auth/status')).body).toEqual({
      setupRequired: true,
      username: null,
    });
    expect(await anonymous.call('GET', '/api/environments')).toMatchObject({
      status: 401,
      body: { code: 'SETUP_REQUIRED' },
    });
  });

  test('a weak first password is refused and nothing is stored', async () => {
    const answer = await testApp
      .session()
      .call('POST', '/api/auth/setup', { username: 'admin', password: 'admin12345678' });
    expect(answer).toMatchObject({ status: 400, body: { code: 'WEAK_PASSWORD' } });
    expect(await testApp.services.users.count()).toBe(0);
  });

  test('setup creates the admin, logs them in with HttpOnly SameSite cookies, and only works once', async () => {
    admin = testApp.session();
    const answer = await admin.call('POST', '/api/auth/setup', TEST_ADMIN_CREDENTIALS);
    expect(answer.status).toBe(201);
    expect(answer.body.roles).toEqual([expect.objectContaining({ roleName: 'admin', environmentId: null })]);
    const cookies = answer.headers.getSetCookie();
    expect(cookies.find((cookie) => cookie.startsWith('windflow_session='))).toMatch(/HttpOnly/i);
    expect(cookies.find((cookie) => cookie.startsWith('windflow_session='))).toMatch(/SameSite=Lax/i);
    expect(cookies.find((cookie) => cookie.startsWith('windflow_csrf='))).not.toMatch(/HttpOnly/i);
    expect((await admin.call('GET', '/api/environments')).status).toBe(200);
    const again = await testApp
      .session()
      .call('POST', '/api/auth/setup', { username: 'mallory', password: 'another long password' });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_SET_UP' } });
  });
});

describe('sessions and CSRF', () => {
  test('a mutating call without the CSRF header, or with a forged one, is refused and changes nothing', async () => {
    const body = { name: 'csrf-target', type: 'tcp', address: '10.1.1.1:2375' };
    expect(await admin.call('POST', '/api/environments', body, { 'x-csrf-token': '' })).toMatchObject({
      status: 403,
      body: { code: 'CSRF_TOKEN_INVALID' },
    });
    expect((await admin.call('POST', '/api/environments', body, { 'x-csrf-token': 'forged' })).status).toBe(
      403,
    );
    expect((await admin.call('GET', '/api/environments')).body).toEqual([]);
    expect((await admin.call('POST', '/api/environments', body)).status).toBe(201);
  });

  test('a request from another origin is refused', async () => {
    const answer = await admin.call(
      'POST',
      '/api/environments',
      { name: 'evil', type: 'tcp', address: 'a:1' },
      {
        origin: 'http://evil.example',
      },
    );
    expect(answer).toMatchObject({ status: 403, body: { code: 'CROSS_ORIGIN_REQUEST' } });
    // A WebSocket handshake is a GET, but it opens a terminal: another site may not start one.
    const upgrade = await admin.call('GET', '/api/environments/1/containers/any/terminal', undefined, {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      origin: 'http://evil.example',
    });
    expect(upgrade).toMatchObject({ status: 403, body: { code: 'CROSS_ORIGIN_REQUEST' } });
  });

  test('logout ends the session; logout everywhere ends the others', async () => {
    const other = testApp.session();
    expect((await other.login(TEST_ADMIN_CREDENTIALS)).status).toBe(200);
    const sessions = (await admin.call('GET', '/api/auth/sessions')).body;
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(sessions)).not.toContain('csrf');
    expect((await other.call('POST', '/api/auth/logout')).status).toBe(204);
    expect((await other.call('GET', '/api/auth/me')).status).toBe(401);
    const third = testApp.session();
    await third.login(TEST_ADMIN_CREDENTIALS);
    expect((await third.call('POST', '/api/auth/logout-everywhere')).status).toBe(200);
    expect((await admin.call('GET', '/api/auth/me')).status).toBe(401);
    admin = testApp.session();
    expect((await admin.login(TEST_ADMIN_CREDENTIALS)).status).toBe(200);
  });
});

describe('users, roles and RBAC', () => {
  let localId: number;
  let otherId: number;

  beforeAll(async () => {
    localId = (
      await admin.call('POST', '/api/environments', {
        name: 'local',
        type: 'local-socket',
        address: testbed().dockerSocket,
      })
    ).body.id;
    otherId = (
      await admin.call('POST', '/api/environments', {
        name: 'other',
        type: 'local-socket',
        address: testbed().dockerSocket,
      })
    ).body.id;
  });

  test('unknown roles and permissions are refused and nothing is stored', async () => {
    const before = (await admin.call('GET', '/api/users')).body.length;
    const unknownRole = await admin.call('POST', '/api/users', { ...VIEWER, roles: [{ role: 'superuser' }] });
    expect(unknownRole).toMatchObject({ status: 400, body: { code: 'UNKNOWN_ROLE' } });
    const unknownPermission = await admin.call('POST', '/api/roles', {
      name: 'odd',
      description: '',
      grants: ['containers:fly'],
    });
    expect(unknownPermission).toMatchObject({ status: 400, body: { code: 'UNKNOWN_PERMISSION' } });
    expect((await admin.call('GET', '/api/users')).body.length).toBe(before);
    expect(
      (await admin.call('GET', '/api/roles')).body.map((role: { name: string }) => role.name),
    ).not.toContain('odd');
  });

  test('a viewer reads but cannot change; an operator bound to one environment acts only there', async () => {
    expect((await admin.call('POST', '/api/users', { ...VIEWER, roles: [{ role: 'viewer' }] })).status).toBe(
      201,
    );
    expect(
      (
        await admin.call('POST', '/api/users', {
          ...OPERATOR,
          roles: [{ role: 'operator', environmentId: localId }],
        })
      ).status,
    ).toBe(201);
    const viewer = testApp.session();
    await viewer.login(VIEWER);
    expect((await viewer.call('GET', '/api/environments')).status).toBe(200);
    expect(
      await viewer.call('POST', '/api/environments', { name: 'x', type: 'tcp', address: 'a:1' }),
    ).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    expect((await viewer.call('GET', '/api/users')).status).toBe(403);
    const operator = testApp.session();
    await operator.login(OPERATOR);
    expect((await operator.call('GET', `/api/environments/${localId}/containers`)).status).toBe(200);
    expect(await operator.call('GET', `/api/environments/${otherId}/containers`)).toMatchObject({
      status: 403,
      body: { message: `You need the containers:read permission on environment ${otherId}` },
    });
  });

  test('a custom role grants exactly its permissions', async () => {
    const role = await admin.call('POST', '/api/roles', {
      name: 'auditor',
      description: 'reads the audit log',
      grants: ['audit:read'],
    });
    expect(role.status).toBe(201);
    const created = await admin.call('POST', '/api/users', {
      username: 'audrey',
      password: 'auditor password 42',
      roles: [{ role: 'auditor' }],
    });
    expect(created.status).toBe(201);
    const auditor = testApp.session();
    await auditor.login({ username: 'audrey', password: 'auditor password 42' });
    expect((await auditor.call('GET', '/api/audit')).status).toBe(200);
    expect((await auditor.call('GET', '/api/environments')).status).toBe(403);
    expect(
      (await admin.call('DELETE', `/api/roles/${(await testApp.services.roles.findByName('admin'))?.id}`))
        .status,
    ).toBe(409);
  });

  test('disabling a user ends their sessions and stops their logins', async () => {
    const victor = testApp.session();
    await victor.login(VIEWER);
    const id = (await admin.call('GET', '/api/users')).body.find(
      (user: { username: string }) => user.username === 'victor',
    ).id;
    expect((await admin.call('PATCH', `/api/users/${id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await victor.call('GET', '/api/environments')).status).toBe(401);
    expect(await testApp.session().login(VIEWER)).toMatchObject({
      status: 403,
      body: { code: 'ACCOUNT_DISABLED' },
    });
    await admin.call('PATCH', `/api/users/${id}`, { disabled: false });
  });
});

describe('passwords', () => {
  test('a wrong password and an unknown user get the same answer', async () => {
    const wrong = await testApp.session().login({ username: 'olivia', password: 'not the password' });
    const unknown = await testApp.session().login({ username: 'nobody-here', password: 'not the password' });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect(unknown.body).toEqual(wrong.body);
  });

  test('common passwords and their obvious variations fail the policy with a clear error', async () => {
    for (const password of ['Password1234', 'qwertyuiop123', 'iloveyou2024!', 'letmein12345']) {
      const answer = await admin.call('POST', '/api/users', { username: 'common', password, roles: [] });
      expect({ password, status: answer.status, code: answer.body.code }).toEqual({
        password,
        status: 400,
        code: 'WEAK_PASSWORD',
      });
      expect(answer.body.message).toContain('too easy to guess');
    }
    expect((await admin.call('GET', '/api/users')).body).not.toContainEqual(
      expect.objectContaining({ username: 'common' }),
    );
  });

  test("an admin's password reset or a disable ends the user's API tokens; enabling again revives none", async () => {
    const TINA = { username: 'tina', password: 'marble harbour 4242' };
    const id = (await admin.call('POST', '/api/users', { ...TINA, roles: [{ role: 'viewer' }] })).body.id;
    const tina = testApp.session();
    await tina.login(TINA);
    const newToken = async () =>
      testApp
        .session()
        .withToken(
          (await tina.call('POST', '/api/auth/tokens', { name: 'ci', scope: ['environments:read'] })).body
            .secret,
        );
    const beforeReset = await newToken();
    expect((await beforeReset.call('GET', '/api/environments')).status).toBe(200);
    expect(
      (await admin.call('POST', `/api/users/${id}/password`, { password: 'granite meadow 4242' })).status,
    ).toBe(204);
    expect((await beforeReset.call('GET', '/api/environments')).body.code).toBe('INVALID_TOKEN');

    await tina.login({ ...TINA, password: 'granite meadow 4242' });
    const beforeDisable = await newToken();
    expect((await beforeDisable.call('GET', '/api/environments')).status).toBe(200);
    expect((await admin.call('PATCH', `/api/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await admin.call('PATCH', `/api/users/${id}`, { disabled: false })).status).toBe(200);
    expect(await beforeDisable.call('GET', '/api/environments')).toMatchObject({
      status: 401,
      body: { code: 'INVALID_TOKEN' },
    });
    expect(await testApp.services.tokens.listOf(id)).toEqual([]);
  });

  test('changing your password needs the current one and meets the policy', async () => {
    const olivia = testApp.session();
    await olivia.login(OPERATOR);
    expect(
      await olivia.call('POST', '/api/auth/password', {
        currentPassword: 'nope',
        newPassword: 'a new password 42',
      }),
    ).toMatchObject({
      status: 400,
      body: { code: 'WRONG_PASSWORD' },
    });
    expect(
      await olivia.call('POST', '/api/auth/password', {
        currentPassword: OPERATOR.password,
        newPassword: 'olivia-olivia-olivia',
      }),
    ).toMatchObject({ status: 400, body: { code: 'WEAK_PASSWORD' } });
  });
});

describe('API tokens', () => {
  test('shown once, scoped, revocable; expired ones refused', async () => {
    const created = await admin.call('POST', '/api/auth/tokens', {
      name: 'ci',
      scope: ['environments:read'],
      expiresInDays: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toStartWith('wf_');
    const listed = await admin.call('GET', '/api/auth/tokens');
    expect(listed.text).not.toContain(created.body.secret);
    const script = testApp.session().withToken(created.body.secret);
    expect((await script.call('GET', '/api/environments')).status).toBe(200);
    expect(
      (await script.call('POST', '/api/environments', { name: 'via-token', type: 'tcp', address: 'a:1' }))
        .status,
    ).toBe(403);
    expect((await admin.call('DELETE', `/api/auth/tokens/${created.body.id}`)).status).toBe(204);
    expect(await script.call('GET', '/api/environments')).toMatchObject({
      status: 401,
      body: { code: 'INVALID_TOKEN' },
    });

    const user = (await admin.call('GET', '/api/auth/me')).body.user;
    const expired = await testApp.services.tokens.create(user.id, {
      name: 'old',
      scope: ['*'],
      expiresAt: '2020-01-01T00:00:00.000Z',
    });
    expect(await testApp.session().withToken(expired.secret).call('GET', '/api/environments')).toMatchObject({
      status: 401,
      body: { code: 'INVALID_TOKEN' },
    });
    expect(
      (await admin.call('POST', '/api/auth/tokens', { name: 'bad', scope: ['root:everything'] })).status,
    ).toBe(400);
  });
});

describe('TOTP second factor', () => {
  const MARY = { username: 'mary', password: 'lavender field 4242' };

  test('enrol with a code, then logins need a code; codes and recovery codes work once', async () => {
    await admin.call('POST', '/api/users', { ...MARY, roles: [{ role: 'viewer' }] });
    const mary = testApp.session();
    await mary.login(MARY);
    const enrolment = await mary.call('POST', '/api/auth/mfa/enrolment');
    expect(enrolment.body.qrSvg).toContain('<svg');
    expect(enrolment.body.uri).toStartWith('otpauth://totp/');
    expect((await mary.call('POST', '/api/auth/mfa/activation', { code: '000000' })).status).toBe(400);
    const activation = await mary.call('POST', '/api/auth/mfa/activation', {
      code: await generate({ secret: enrolment.body.secret }),
    });
    expect(activation.body.recoveryCodes).toHaveLength(10);

    const second = testApp.session();
    expect((await second.login(MARY)).body).toEqual({ mfaRequired: true });
    expect((await second.call('GET', '/api/environments')).status).toBe(401);
    const code = await generate({ secret: enrolment.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await second.call('POST', '/api/auth/mfa', { code })).status).toBe(200);
    expect((await second.call('GET', '/api/environments')).status).toBe(200);

    const replay = testApp.session();
    await replay.login(MARY);
    expect(await replay.call('POST', '/api/auth/mfa', { code })).toMatchObject({
      status: 401,
      body: { code: 'INVALID_MFA_CODE' },
    });
    const recovery = activation.body.recoveryCodes[0];
    expect((await replay.call('POST', '/api/auth/mfa', { code: recovery })).status).toBe(200);
    const reuse = testApp.session();
    await reuse.login(MARY);
    expect((await reuse.call('POST', '/api/auth/mfa', { code: recovery })).status).toBe(401);

    const id = (await admin.call('GET', '/api/users')).body.find(
      (user: { username: string }) => user.username === 'mary',
    ).id;
    expect((await admin.call('DELETE', `/api/users/${id}/mfa`)).status).toBe(204);
    expect((await testApp.session().login(MARY)).body.mfaRequired).toBe(false);
  });
});

describe('audit log', () => {
  test('changes and logins are recorded with user, environment, target and outcome; CSV and JSON export', async () => {
    const { body } = await admin.call('GET', '/api/audit?limit=500');
    const created = body.entries.find(
      (entry: { action: string; outcome: string }) =>
        entry.action === 'environments:create' && entry.outcome === 'success',
    );
    expect(created).toMatchObject({
      username: 'admin',
      outcome: 'success',
      status: 201,
      target: '/api/environments',
    });
    const denied = body.entries.find(
      (entry: { outcome: string; username: string }) =>
        entry.outcome === 'denied' && entry.username === 'victor',
    );
    expect(denied).toMatchObject({ action: 'environments:create', status: 403 });
    const failedLogin = body.entries.find(
      (entry: { action: string; detail: string }) =>
        entry.action === 'auth:login' && entry.detail === 'INVALID_CREDENTIALS',
    );
    expect(failedLogin).toMatchObject({ outcome: 'failure', status: 401 });
    const scoped = await admin.call('GET', '/api/audit?outcome=denied&username=olivia');
    expect(
      scoped.body.entries.every((entry: { environmentId: number | null }) => entry.environmentId !== null),
    ).toBe(true);

    const csv = await admin.call('GET', '/api/audit/export?format=csv&action=auth:login');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text.split('\r\n')[0]).toBe(
      'id,at,username,sourceIp,environmentId,action,target,outcome,status,detail',
    );
    const json = await admin.call('GET', '/api/audit/export?format=json&action=auth:login');
    expect(json.body.length).toBe(csv.text.split('\r\n').length - 1);
  });
});

describe('hardening', () => {
  test('security headers are set and oversized JSON is refused', async () => {
    const answer = await admin.call('GET', '/api/health');
    expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const labels = { x: 'y'.repeat(2_000_000) };
    const big = await admin.call(
      'POST',
      '/api/environments',
      { name: 'big', type: 'tcp', address: 'a:1', labels },
      {
        'content-length': String(2_000_100),
      },
    );
    expect(big).toMatchObject({ status: 413, body: { code: 'BODY_TOO_LARGE' } });
    // Sent in chunks, the body declares no length: it is counted as it is read.
    const encoded = new TextEncoder().encode(
      JSON.stringify({ name: 'big', type: 'tcp', address: 'a:1', labels }),
    );
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < encoded.length; at += 65_536)
          controller.enqueue(encoded.subarray(at, at + 65_536));
        controller.close();
      },
    });
    const streamed = await admin.request('POST', '/api/environments', chunked, {
      'content-type': 'application/json',
    });
    expect({ status: streamed.status, body: await streamed.json() }).toMatchObject({
      status: 413,
      body: { code: 'BODY_TOO_LARGE' },
    });
    expect((await admin.call('GET', '/api/environments')).body).not.toContainEqual(
      expect.objectContaining({ name: 'big' }),
    );
  });

  test('errors never carry stack traces', async () => {
    const answer = await admin.call('POST', '/api/environments', '{not json' as unknown as object);
    expect(answer.text).not.toContain('    at ');
  });
});

describe('policies', () => {
  test('with MFA required for all, a user without a second factor may only set one up', async () => {
    expect((await admin.call('PUT', '/api/settings/security', { mfaRequired: 'bogus' })).status).toBe(400);
    expect((await admin.call('PUT', '/api/settings/security', { mfaRequired: 'all' })).body.mfaRequired).toBe(
      'all',
    );
    const victor = testApp.session();
    await victor.login(VIEWER);
    expect(await victor.call('GET', '/api/environments')).toMatchObject({
      status: 403,
      body: { code: 'MFA_ENROLMENT_REQUIRED' },
    });
    expect((await victor.call('GET', '/api/auth/me')).status).toBe(200);
    expect((await victor.call('POST', '/api/auth/mfa/enrolment')).status).toBe(200);
    // Admins are no exception: this one has no second factor either.
    expect((await admin.call('GET', '/api/settings/security')).status).toBe(403);
    await testApp.services.settings.setSecurity({ mfaRequired: 'off' });
    expect((await victor.call('GET', '/api/environments')).status).toBe(200);
  });

  test('audit entries older than the retention are purged', async () => {
    await testApp.db.run(
      "INSERT INTO audit_log (at, username, action, target, outcome) VALUES ('2001-01-01T00:00:00.000Z', 'ghost', 'x:y', 't', 'success')",
    );
    await admin.call('PUT', '/api/settings/security', { auditRetentionDays: 30 });
    expect(await purgeExpiredAuditEntries(testApp.services.audit, testApp.services.settings)).toBe(1);
    expect((await admin.call('GET', '/api/audit?username=ghost')).body.total).toBe(0);
    expect((await admin.call('GET', '/api/audit')).body.total).toBeGreaterThan(10);
  });
});

test('an address that fails too many logins is turned away, even with the right password', async () => {
  const isolated = await startTestApp();
  try {
    await isolated.session().setUpAdmin();
    for (let attempt = 0; attempt < 20; attempt++) {
      await isolated.session().login({ username: `nobody-${attempt}`, password: 'guessing' });
    }
    expect(await isolated.session().login(TEST_ADMIN_CREDENTIALS)).toMatchObject({
      status: 429,
      body: { code: 'TOO_MANY_ATTEMPTS' },
    });
  } finally {
    await isolated.close();
  }
});
