// The request's real origin behind proxies: X-Forwarded-* believed only from configured proxy
// addresses. Pure cases for the parsing and the X-Forwarded-For walk, then the real binary:
// forged headers from an address that is not a proxy change neither the login rate limit, nor
// the audit log's address, nor the cookies; from a trusted proxy they do, and the cookies, the
// UI's <base> and the edge agent's command follow the base path.
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBinary, startBinary } from '../testing/binary.ts';
import { ApiSession, TEST_ADMIN_CREDENTIALS } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';
import { parseBasePath, parseTrustedProxies, resolveOrigin, TrustedProxies } from './request-origin.ts';

describe('settings', () => {
  test('trusted proxies are addresses or CIDR ranges; anything else is refused by name', () => {
    expect(parseTrustedProxies('')).toEqual([]);
    expect(parseTrustedProxies(' 127.0.0.1, 10.0.0.0/8,fd00::/8 ,::1')).toEqual([
      '127.0.0.1/32',
      '10.0.0.0/8',
      'fd00::/8',
      '::1/128',
    ]);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0/8', '::1/129', '1.2.3.4/x']) {
      expect(() => parseTrustedProxies(bad)).toThrow(bad);
    }
  });

  test('a base path gets one leading slash and none at the end; odd paths are refused', () => {
    expect(parseBasePath('')).toBe('');
    expect(parseBasePath('/')).toBe('');
    expect(parseBasePath('windflow/')).toBe('/windflow');
    expect(parseBasePath('/tools/windflow')).toBe('/tools/windflow');
    for (const bad of ['/a b', '/../x', '/x?y', '/x//y', '/%2e']) expect(() => parseBasePath(bad)).toThrow();
  });
});

describe('resolving the origin', () => {
  const proxies = new TrustedProxies(parseTrustedProxies('10.0.0.0/8,::1'));
  const request = (headers: Record<string, string>) =>
    new Request('http://windflow.internal:5480/api/health', {
      headers: { host: 'windflow.internal:5480', ...headers },
    });

  test('from an address that is not a proxy, forwarded headers are ignored', () => {
    const origin = resolveOrigin(
      request({
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.test',
      }),
      '192.0.2.50',
      proxies,
      '',
    );
    expect(origin).toEqual({
      clientIp: '192.0.2.50',
      https: false,
      host: 'windflow.internal:5480',
      basePath: '',
    });
  });

  test('from a proxy, the nearest hop that is not a proxy is the client', () => {
    const headers = {
      'x-forwarded-for': '198.51.100.1, 203.0.113.9, 10.1.1.1',
      'x-forwarded-proto': 'https',
    };
    expect(resolveOrigin(request(headers), '10.2.2.2', proxies, '/windflow')).toEqual({
      clientIp: '203.0.113.9',
      https: true,
      host: 'windflow.internal:5480',
      basePath: '/windflow',
    });
    // An IPv4 peer on a dual-stack socket is still the proxy 10.2.2.2.
    expect(resolveOrigin(request(headers), '::ffff:10.2.2.2', proxies, '').clientIp).toBe('203.0.113.9');
    expect(
      resolveOrigin(request({ 'x-forwarded-host': 'docker.example.com' }), '::1', proxies, '').host,
    ).toBe('docker.example.com');
  });

  test('a proxy that sends no X-Forwarded-For leaves its own address; garbage stops the walk', () => {
    expect(resolveOrigin(request({}), '10.2.2.2', proxies, '').clientIp).toBe('10.2.2.2');
    expect(
      resolveOrigin(request({ 'x-forwarded-for': 'not-an-address, 10.1.1.1' }), '10.2.2.2', proxies, '')
        .clientIp,
    ).toBe('10.1.1.1');
  });

  test('with no proxies configured, nobody is trusted', () => {
    const origin = resolveOrigin(
      request({ 'x-forwarded-for': '203.0.113.9' }),
      '127.0.0.1',
      new TrustedProxies([]),
      '',
    );
    expect(origin.clientIp).toBe('127.0.0.1');
  });
});

describe('the binary', () => {
  const bed = testbed();
  const dataDirs: string[] = [];
  const running: RunningBinary[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'windflow-origin-'));
    dataDirs.push(dataDir);
    const server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket, env });
    running.push(server);
    return server;
  };
  const loginAddresses = async (admin: ApiSession, username: string) =>
    (await admin.call('GET', `/api/audit?limit=500&username=${username}`)).body.entries.map(
      (entry: { sourceIp: string }) => entry.sourceIp,
    );

  test('forged X-Forwarded-* from an address that is not a proxy change nothing', async () => {
    // Only 10.200.0.0/16 is a proxy: this test connects from 127.0.0.1.
    const server = await start({ WINDFLOW_TRUSTED_PROXIES: '10.200.0.0/16' });
    const admin = await ApiSession.forServer(server.url).setUpAdmin();
    const forged = (n: number) => ({
      'x-forwarded-for': `203.0.113.${n}`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'elsewhere.test',
    });
    // The address limit counts 20 failures: a new forged address each time does not reset it.
    // (A new user name each time too, so the per-name wait after 5 failures stays out of it.)
    const anonymous = ApiSession.forServer(server.url);
    const statuses: number[] = [];
    for (let n = 1; n <= 21; n++) {
      const answer = await anonymous.call(
        'POST',
        '/api/auth/login',
        { username: `mallory${n}`, password: 'x' },
        forged(n),
      );
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses[20]).toBe(429);
    const malloryAddresses = (
      await admin.call('GET', '/api/audit?limit=500&action=auth:login&text=mallory')
    ).body.entries.map((entry: { sourceIp: string }) => entry.sourceIp);
    expect(malloryAddresses).toHaveLength(21);
    expect(new Set(malloryAddresses)).toEqual(new Set(['127.0.0.1']));

    // Nor does a forged https make the cookies Secure.
    const fresh = await start({ WINDFLOW_TRUSTED_PROXIES: '10.200.0.0/16' });
    const setup = await ApiSession.forServer(fresh.url).call(
      'POST',
      '/api/auth/setup',
      TEST_ADMIN_CREDENTIALS,
      forged(1),
    );
    expect(setup.status).toBe(201);
    for (const cookie of setup.headers.getSetCookie()) {
      expect(cookie).not.toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*Path=\/(;|$)/i);
    }
  });

  test('from a trusted proxy, the forwarded client, scheme and base path are used', async () => {
    const server = await start({ WINDFLOW_TRUSTED_PROXIES: '127.0.0.1', WINDFLOW_BASE_PATH: '/windflow' });
    const viaProxy = { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' };
    const admin = ApiSession.forServer(server.url);
    const setup = await admin.call('POST', '/api/auth/setup', TEST_ADMIN_CREDENTIALS, viaProxy);
    expect(setup.status).toBe(201);
    const cookies = setup.headers.getSetCookie();
    expect(cookies.length).toBe(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*Path=\/windflow\/(;|$)/i);
    }
    expect(await loginAddresses(admin, 'admin')).toContain('203.0.113.7');
    // The edge agent's command names the address the proxy publishes, prefix included.
    const edge = await admin.call(
      'POST',
      '/api/environments',
      { name: 'edge', type: 'edge', address: '' },
      {
        ...viaProxy,
        'x-forwarded-host': 'windflow.example',
      },
    );
    expect(edge.status).toBe(201);
    expect(edge.body.enrolment.serverUrl).toBe('wss://windflow.example/windflow/api/hawser/connect');
    expect(edge.body.enrolment.commands.windflow).toContain(
      '--server wss://windflow.example/windflow/api/hawser/connect',
    );

    const logout = await admin.call('POST', '/api/auth/logout', undefined, viaProxy);
    expect(logout.status).toBe(204);
    for (const cookie of logout.headers.getSetCookie())
      expect(cookie).toMatch(/Max-Age=0.*Path=\/windflow\/|Path=\/windflow\/.*Max-Age=0/i);

    const page = await (await fetch(`${server.url}/containers`)).text();
    expect(page).toContain('<base href="/windflow/"');
    expect(page).toMatch(/src="\.\/assets\/[^"]+\.js"/);
  });
});
