// Alerts in Chromium against the built binary: a rule made with the Alerts page's form (which
// refuses what it cannot take), then a container killed on the test bed's daemon shows as firing
// on the dashboard's recent alerts, live, and as resolved once it runs again.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const SCREENSHOT_DIR = join(import.meta.dir, '..', '..', 'dist', 'screenshots');
const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `${process.pid}-${Date.now().toString(36)}`;
const containerName = `wf-e2e-alert-${run}`;
let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;
let containerId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-e2e-alerts-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await logInPage(page, server.url);
  containerId = (
    await docker.createContainer(
      {
        Image: bed.images.busybox,
        Cmd: ['sleep', '3600'],
        Labels: { 'windflow.test': '1', 'windflow.test.run': run },
      },
      containerName,
    )
  ).Id;
  await docker.startContainer(containerId);
});

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  if (containerId) await docker.removeContainer(containerId, { force: true });
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a rule made on the Alerts page fires and resolves on the dashboard', async () => {
  await page.goto(`${server.url}/alerts`);
  await page.getByTestId('alert-rules-empty').waitFor();
  await page.getByRole('button', { name: 'New rule' }).click();
  const form = page.getByTestId('alert-rule-form');
  await form.getByLabel('When').selectOption('container-exited');
  await form.getByLabel('Container name (optional)').fill(containerName);
  await form.getByLabel('Resolve after (seconds)').fill('1');
  // Without a name the form says so and keeps what was typed.
  await form.getByRole('button', { name: 'Save rule' }).click();
  await form.getByText('Give the rule a name').waitFor();
  await form.getByLabel('Resolve after (seconds)').fill('999999');
  await form.getByLabel('Name', { exact: true }).fill('web crashes');
  await form.getByRole('button', { name: 'Save rule' }).click();
  await form.getByText('Resolve after (seconds) must be between 0 and 86400').waitFor();
  await form.getByLabel('Resolve after (seconds)').fill('1');
  await form.getByRole('button', { name: 'Save rule' }).click();
  const rule = page.locator('[data-rule="web crashes"]');
  await rule.waitFor();
  expect(await rule.textContent()).toContain(`container ${containerName}`);
  await page.getByTestId('alerts-none-firing').waitFor();

  await page.getByRole('link', { name: 'Dashboard' }).click();
  const recent = page.getByTestId('recent-alerts');
  await recent.getByText('No alerts.').waitFor();

  await docker.request('POST', `/containers/${containerId}/kill`);
  const firing = recent.locator('[data-alert-state="firing"][data-alert-rule="web crashes"]');
  await firing.waitFor({ timeout: 30_000 });
  expect(await firing.textContent()).toContain(
    `${containerName} stopped unexpectedly: exit code 137 (killed)`,
  );
  await recent.getByText('1 firing').waitFor();

  await docker.startContainer(containerId);
  const resolved = recent.locator('[data-alert-state="resolved"][data-alert-rule="web crashes"]');
  await resolved.waitFor({ timeout: 30_000 });
  expect(await resolved.textContent()).toContain('the container is running again');
  expect(await recent.locator('[data-alert-state="firing"]').count()).toBe(0);

  // The Alerts page has it in the history, and the rule can be silenced from there.
  await page.getByRole('link', { name: 'All alerts and rules' }).click();
  await page.getByTestId('alerts-history').locator('[data-alert-rule="web crashes"]').waitFor();
  await rule.getByRole('button', { name: 'Silence 1 h' }).click();
  await rule.getByText('silenced until').waitFor();
});

test('the Alerts page fits a phone, in dark mode too, and its form works from the keyboard', async () => {
  const phone = await (
    await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
  ).newPage();
  await logInPage(phone, server.url);
  await phone.goto(`${server.url}/alerts`);
  await phone.locator('[data-rule="web crashes"]').waitFor();
  expect(await phone.locator('html').evaluate((html) => html.classList.contains('dark'))).toBe(true);
  const overflow = await phone.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await phone.screenshot({ path: join(SCREENSHOT_DIR, 'alerts-phone-dark.png'), fullPage: true });

  await phone.getByRole('button', { name: 'New rule' }).focus();
  await phone.keyboard.press('Enter');
  const name = phone.getByTestId('alert-rule-form').getByLabel('Name', { exact: true });
  await name.waitFor();
  await name.focus();
  await phone.keyboard.type('hosts away');
  await phone.keyboard.press('Tab');
  await phone.keyboard.press('End'); // the last kind
  expect(await phone.getByTestId('alert-rule-form').getByLabel('When').inputValue()).toBe(
    'environment-unreachable',
  );
  await name.press('Enter');
  await phone.locator('[data-rule="hosts away"]').waitFor();
  await phone.context().close();
});
