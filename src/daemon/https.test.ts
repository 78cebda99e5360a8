// Windflow answering HTTPS itself: the UI and API over TLS, session cookies marked Secure, and
// a certificate that cannot be read refused at start with the reason.
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-https-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('with a certificate and key, the API and UI answer over HTTPS and cookies are Secure', async () => {
  const server = await startBinary({
    dataDir,
    dockerSocket: bed.dockerSocket,
    env: { WINDFLOW_TLS_CERT: bed.localhostTls.cert, WINDFLOW_TLS_KEY: bed.localhostTls.key },
  });
  try {
    expect(server.url).toStartWith('https://127.0.0.1:');
    const ca = readFileSync(bed.localhostTls.ca, 'utf8');
    const api = new ApiSession((request) => fetch(request, { tls: { ca } }), server.url);
    expect((await api.call('GET', '/api/health')).body).toMatchObject({ status: 'ok' });
    const ui = await fetch(server.url, { tls: { ca } });
    expect(await ui.text()).toContain('<div id="app"');

    const setup = await api.call('POST', '/api/auth/setup', {
      username: 'admin',
      password: 'a long enough secret',
    });
    expect(setup.status).toBe(201);
    const cookies = setup.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*Secure/i);
    expect((await api.call('GET', '/api/auth/me')).body.user.username).toBe('admin');

    // Plain HTTP on the same port gets no answer from the API.
    const plain = await fetch(server.url.replace('https:', 'http:')).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

test('a certificate that cannot be read stops the start with its path and reason', async () => {
  const started = startBinary({
    dataDir,
    dockerSocket: bed.dockerSocket,
    env: { WINDFLOW_TLS_CERT: '/nonexistent/cert.pem', WINDFLOW_TLS_KEY: bed.localhostTls.key },
  });
  await expect(started).rejects.toThrow(/cannot read the TLS certificate \/nonexistent\/cert\.pem/);
});
