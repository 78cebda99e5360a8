// The built binary from an empty data directory, and its dashboard in headless Chromium.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
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
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  await docker.removeContainer(containerId, { force: true });
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dist/windflow serve on an empty data directory', () => {
  test('answers /api/health', async () => {
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });

  test('added the local environment and lists its containers', async () => {
    const environments = (await (await fetch(`${server.url}/api/environments`)).json()) as {
      id: number;
      name: string;
      address: string;
    }[];
    expect(environments).toEqual([
      expect.objectContaining({ name: 'local', type: 'local-socket', address: bed.dockerSocket }),
    ]);
    const containers = (await (
      await fetch(`${server.url}/api/environments/${environments[0]?.id}/containers?all=1`)
    ).json()) as { Id: string }[];
    expect(containers.map((container) => container.Id)).toContain(containerId);
  });

  test('serves the UI, with client routes falling back to index.html', async () => {
    for (const path of ['/', '/environments']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('<div id="app">');
    }
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
  });

  test('the dashboard shows the local engine and its counts in Chromium', async () => {
    const info = await docker.info();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
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
    await page.close();
  });

  test('stops cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.logs.map((entry) => entry.msg)).toContain('stopped');
  });
});
