// An admin adds the test bed's slapd as a login provider on the Settings page, tests it, and a
// directory user then logs in through the login page, with the role their group maps to.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const { ldap, dockerSocket } = testbed();
let dataDir: string;
let server: RunningBinary;
let browser: Browser;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-ldap-'));
  server = await startBinary({ dataDir, dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('an admin adds an LDAP provider in Settings and a directory user logs in with it', async () => {
  const page = await browser.newPage();
  await logInPage(page, server.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Add a provider' }).click();
  const form = page.getByTestId('provider-form');
  await form.getByLabel('Kind').selectOption('ldap');
  await form.getByLabel('Id (used in URLs)').fill('corp');
  await form.getByLabel('Name on the login page').fill('Corporate directory');
  await form.getByLabel('Server URL').fill(ldap.tlsUrl);
  await form.getByLabel('Service account DN').fill(ldap.bindDn);
  await form.getByLabel('Service account password').fill(ldap.bindPassword);
  await form.getByLabel('User base DN').fill(`ou=people,${ldap.baseDn}`);
  await form.getByLabel('Group base DN (empty: use memberOf)').fill(`ou=groups,${ldap.baseDn}`);
  await form.getByLabel('CA certificate (PEM, optional)').fill(readFileSync(ldap.ca, 'utf8'));
  await form.getByRole('button', { name: 'Add a mapping' }).click();
  await form.getByLabel('Group', { exact: true }).fill('windflow-operators');
  await form.getByLabel('Role', { exact: true }).fill('operator');
  await form.getByRole('button', { name: 'Save' }).click();

  const list = page.getByTestId('provider-list');
  await list.getByText('Corporate directory').waitFor();
  await list.getByRole('button', { name: 'Test' }).click();
  expect(await list.getByRole('status').textContent()).toContain('connected');

  await page.getByTestId('logout').click();
  await page.waitForURL('**/login');
  await page.getByLabel('Account').selectOption('corp');
  await page.getByLabel('User name').fill('bob');
  await page.getByLabel('Password').fill('bob-pass');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('current-user').waitFor();
  expect(await page.getByTestId('current-user').textContent()).toContain('bob');
  await page.close();
});
