// The account pages in Chromium against the built binary: users, roles, the audit log and the
// profile (API token, second factor).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-account-'));
  server = await startBinary({ dataDir, dockerSocket: testbed().dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('an admin adds a viewer on the Users page', async () => {
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Add a user' }).click();
  const form = page.getByTestId('user-form');
  await form.getByLabel('User name').fill('wendy');
  await form.getByLabel('Password').fill('tulip garden 4242');
  await form.getByLabel('Role', { exact: true }).selectOption('viewer');
  await form.getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('user-table').getByText('wendy').waitFor();

  await page.getByRole('button', { name: 'Add a user' }).click();
  await page.getByTestId('user-form').getByLabel('User name').fill('weak');
  await page.getByTestId('user-form').getByLabel('Password').fill('short');
  await page.getByTestId('user-form').getByRole('button', { name: 'Create' }).click();
  expect(await page.getByTestId('user-form').getByRole('alert').textContent()).toContain(
    'at least 12 characters',
  );
  await page.getByTestId('user-form').getByRole('button', { name: 'Cancel' }).click();
});

test('a user whose logins wait after failed ones is unlocked from the Users page', async () => {
  // Seven counted failures (waiting out each wait once the free ones are gone): an 8 s wait.
  const guesser = ApiSession.forServer(server.url);
  for (let counted = 0; counted < 7; ) {
    const answer = await guesser.login({ username: 'wendy', password: 'not her password' });
    if (answer.status === 429) await Bun.sleep(Number(answer.headers.get('retry-after')) * 1000 + 50);
    else counted++;
  }
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByRole('link', { name: 'Users' }).click();
  const row = page.getByTestId('user-table').getByRole('row').filter({ hasText: 'wendy' });
  await row.getByText('login delayed').waitFor();
  await row.getByRole('button', { name: 'Unlock' }).click();
  await row.getByText('active').waitFor();
  expect(await row.getByRole('button', { name: 'Unlock' }).count()).toBe(0);
  expect((await guesser.login({ username: 'wendy', password: 'tulip garden 4242' })).status).toBe(200);
});

test('a custom role is made from the permission matrix on the Roles page', async () => {
  await page.getByRole('link', { name: 'Roles' }).click();
  await page.getByRole('button', { name: 'Add a role' }).click();
  const form = page.getByTestId('role-form');
  await form.getByLabel('Name').fill('auditor');
  await form.getByLabel('Description').fill('reads the audit log');
  await form
    .getByRole('row', { name: /^audit/ })
    .getByLabel('read')
    .check();
  await form.getByRole('button', { name: 'Save' }).click();
  const role = page.getByTestId('role-list').getByRole('listitem').filter({ hasText: 'auditor' });
  await role.waitFor();
  expect(await role.textContent()).toContain('audit:read');
});

test('the Audit log page finds the user creation', async () => {
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Search').fill('users:manage');
  const rows = page.getByTestId('audit-table').getByRole('row').filter({ hasText: 'users:manage' });
  await rows.first().waitFor();
  const outcomes = await rows.allTextContents();
  expect(outcomes.some((text) => text.includes('success 201'))).toBe(true);
  expect(outcomes.some((text) => text.includes('failure 400'))).toBe(true);
  expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain('format=csv');
});

test('the Profile page makes an API token and turns the second factor on', async () => {
  await page.getByRole('link', { name: 'Profile' }).click();
  const tokens = page.getByTestId('tokens-card');
  await tokens.getByLabel('Name').fill('ci');
  await tokens.getByLabel('Scope (permissions, space separated)').fill('environments:read');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = (await tokens.getByTestId('token-secret').textContent()) ?? '';
  expect(secret).toStartWith('wf_');
  expect(
    (await ApiSession.forServer(server.url).withToken(secret).call('GET', '/api/environments')).status,
  ).toBe(200);

  const mfa = page.getByTestId('mfa-card');
  await mfa.getByRole('button', { name: 'Set up' }).click();
  const key = (await mfa.getByTestId('mfa-secret').textContent()) ?? '';
  await mfa.getByLabel('Code from the app').fill(await generate({ secret: key.trim() }));
  await mfa.getByRole('button', { name: 'Turn on' }).click();
  await mfa.getByTestId('recovery-codes').waitFor();
  expect(await mfa.getByTestId('recovery-codes').getByRole('listitem').count()).toBe(10);
});
