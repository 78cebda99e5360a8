// The built binary from an empty data directory, and its dashboard in headless Chromium.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage, TEST_ADMIN_CREDENTIALS } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const SCREENSHOT_DIR = join(import.meta.dir, '..', '..', 'dist', 'screenshots');

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let containerId: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-e2e-'));
  containerId = (
    await docker.createContainer({
      Image: bed.images.busybox,
      Cmd: ['true'],
      Labels: { 'windflow.test': '1' },
    })
  ).Id;
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  await docker.removeContainer(containerId, { force: true });
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dist/windflow serve on an empty data directory', () => {
  let api: ApiSession;

  test('answers /api/health and asks for the first admin', async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    const environments = await fetch(`${server.url}/api/environments`);
    expect(environments.status).toBe(401);
    expect(await environments.json()).toMatchObject({ code: 'SETUP_REQUIRED' });
  });

  test('the first visit leads to the set-up page, which creates the admin', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForURL('**/setup');
    await page.getByLabel('User name').fill(TEST_ADMIN_CREDENTIALS.username);
    await page.getByLabel('Password', { exact: true }).fill(TEST_ADMIN_CREDENTIALS.password);
    await page.getByLabel('Password again').fill(TEST_ADMIN_CREDENTIALS.password);
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('current-user').textContent()).toContain(TEST_ADMIN_CREDENTIALS.username);
    await page.close();
    api = ApiSession.forServer(server.url);
    expect((await api.login(TEST_ADMIN_CREDENTIALS)).status).toBe(200);
  });

  test('added the local environment and lists its containers', async () => {
    const environments = (await api.call('GET', '/api/environments')).body as { id: number; name: string }[];
    expect(environments).toEqual([
      expect.objectContaining({ name: 'local', type: 'local-socket', address: bed.dockerSocket }),
    ]);
    const containers = (await api.call('GET', `/api/environments/${environments[0]?.id}/containers?all=1`))
      .body as { id: string }[];
    expect(containers.map((container) => container.id)).toContain(containerId);
  });

  test('serves the UI, with client routes falling back to index.html', async () => {
    for (const path of ['/', '/environments', '/login']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<div id="app">');
    }
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  test('the dashboard shows the local engine and its counts in Chromium', async () => {
    const info = await docker.info();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logInPage(page, server.url);
    const card = page.getByTestId('env-card').filter({ hasText: 'local' });
    await card.getByTestId('count-containers-running').waitFor();
    expect(await card.getByTestId('engine-version').textContent()).toContain(info.ServerVersion);
    expect(Number(await card.getByTestId('count-containers-running').textContent())).toBe(
      info.ContainersRunning,
    );
    expect(Number(await card.getByTestId('count-images').textContent())).toBe(info.Images);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const screenshot = join(SCREENSHOT_DIR, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);

    await page.getByTestId('theme-toggle').click();
    const dark = ((await page.locator('html').getAttribute('class')) ?? '').includes('dark');
    await page.setViewportSize({ width: 390, height: 844 });
    // Let the sidebar's slide and the colour transitions finish.
    await page.waitForTimeout(400);
    expect(await page.getByRole('navigation', { name: 'Main' }).boundingBox()).toMatchObject({
      x: expect.any(Number),
    });
    expect((await page.getByRole('navigation', { name: 'Main' }).boundingBox())?.x).toBeLessThan(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-phone.png'), fullPage: true });
    await page.getByTestId('theme-toggle').click();
    expect(((await page.locator('html').getAttribute('class')) ?? '').includes('dark')).toBe(!dark);

    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    await page.close();
  });

  test('a wrong password is shown on the login page', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('User name').fill(TEST_ADMIN_CREDENTIALS.username);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Wrong user name or password');
    await page.close();
  });

  test('stops cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.logs.map((entry) => entry.msg)).toContain('stopped');
  });
});
