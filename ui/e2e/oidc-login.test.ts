// Logging in through a real OpenID provider (oidc-provider, in this test process) in Chromium,
// against the built binary: the button on the login page, the provider's form, back logged in.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import {
  startTestOidcProvider,
  type TestOidcProvider,
  testAccountPassword,
} from '../../src/testing/oidc-provider.ts';
import { ApiSession } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

let dataDir: string;
let server: RunningBinary;
let provider: TestOidcProvider;
let browser: Browser;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-oidc-'));
  server = await startBinary({ dataDir, dockerSocket: testbed().dockerSocket });
  provider = await startTestOidcProvider({
    clients: [
      {
        client_id: 'windflow',
        client_secret: 'oidc-client-secret',
        redirect_uris: [`${server.url}/api/auth/oauth/idp/callback`],
      },
    ],
    accounts: {
      olga: { email: 'olga@windflow.test', name: 'Olga Operator', groups: ['ops'] },
      gus: { email: 'gus@windflow.test', name: 'Gus Guest', groups: ['guests'] },
    },
  });
  const admin = await ApiSession.forServer(server.url).setUpAdmin();
  const created = await admin.call('POST', '/api/settings/auth-providers', {
    slug: 'idp',
    kind: 'oidc',
    name: 'Test IdP',
    secret: 'oidc-client-secret',
    settings: { issuerUrl: provider.issuer, clientId: 'windflow', allowInsecureHttp: true },
    groupRoles: { ops: 'operator' },
  });
  expect(created.status).toBe(201);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function logInAtProvider(username: string) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByRole('link', { name: 'Log in with Test IdP' }).click();
  await page.locator('#login').fill(username);
  await page.locator('#password').fill(testAccountPassword(username));
  await page.locator('button[type=submit]').click();
  return page;
}

test('an IdP user with a mapped group comes back logged in with that role', async () => {
  const page = await logInAtProvider('olga');
  await page.getByTestId('current-user').waitFor();
  expect(await page.getByTestId('current-user').textContent()).toContain('olga');
  const me = (await page.evaluate(async () => (await fetch('/api/auth/me')).json())) as {
    user: unknown;
    roles: unknown[];
  };
  expect(me.user).toMatchObject({ username: 'olga', source: 'oidc:idp', email: 'olga@windflow.test' });
  expect(me.roles).toEqual([expect.objectContaining({ roleName: 'operator', source: 'provider' })]);
  await page.close();
});

test('an IdP user whose groups map to no role sees why on the login page', async () => {
  const page = await logInAtProvider('gus');
  await page.waitForURL('**/login?error=*');
  expect(await page.getByRole('alert').textContent()).toContain('give no access to Windflow');
  await page.close();
});
