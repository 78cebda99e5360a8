// Monitoring in Chromium against the built binary: a container's History tab over 1 hour (its
// own rounds, every 2 s) and over 7 days (synthetic 5-minute history written into the store),
// the host's page, the dashboard's overview and the Events page (live), at laptop and phone widths.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { openDatabase } from '../../src/store/database.ts';
import { DEFAULT_RETENTION, MetricStore } from '../../src/store/metrics.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const SCREENSHOT_DIR = join(import.meta.dir, '..', '..', 'dist', 'screenshots');
const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let containerId: string;
let containerName: string;
let environmentId: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-e2e-monitoring-'));
  containerName = `wf-e2e-monitoring-${process.pid}`;
  containerId = (
    await docker.createContainer(
      { Image: bed.images.busybox, Cmd: ['sleep', '3600'], Labels: { 'windflow.test': '1' } },
      containerName,
    )
  ).Id;
  await docker.startContainer(containerId);
  server = await startBinary({
    dataDir,
    dockerSocket: bed.dockerSocket,
    env: { WINDFLOW_METRICS_INTERVAL: '2' },
  });
  const api = await ApiSession.forServer(server.url).setUpAdmin();
  environmentId = (await api.call('GET', '/api/environments')).body[0].id;
  // A week of 5-minute averages before the container existed here, as a long-running one would have.
  const db = await openDatabase({ dataDir });
  try {
    const metrics = new MetricStore(db);
    const seriesId = await metrics.seriesId({
      environmentId,
      container: containerName,
      stack: null,
      service: null,
    });
    const now = Math.floor(Date.now() / 1000);
    const start = now - 7 * 86_400 - (now % 300);
    const points = [];
    for (let at = start; at < now - 3600; at += 300) {
      const wave = Math.sin(at / 20_000);
      points.push({
        seriesId,
        point: {
          at,
          cpu: 20 + 15 * wave,
          memory: 50e6 + 10e6 * wave,
          memoryLimit: 1e9,
          rx: 1000,
          tx: 500,
          ioRead: 0,
          ioWrite: 200,
          disk: null,
          diskTotal: null,
          restarts: 0,
        },
      });
    }
    await metrics.addPoints(points, 2);
    // As the history schedule would have by now: tiers rolled up to the present.
    await metrics.rollUp(DEFAULT_RETENTION);
  } finally {
    await db.close();
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  await docker.removeContainer(containerId, { force: true });
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a container's charts over 1 hour and 7 days, the host's page, the dashboard and the events", async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logInPage(page, server.url);

  await page.goto(`${server.url}/containers/${containerId}?tab=history&range=1h`);
  const history = page.getByTestId('metrics-history');
  // The container's own rounds arrive every 2 s; the page shows them once there are some. The
  // first rounds can take a while when the shared daemon is busy with other tests' containers.
  for (let attempt = 0; attempt < 90; attempt++) {
    if (await history.locator('canvas').first().isVisible()) break;
    await page.waitForTimeout(1000);
    await page.reload();
  }
  expect(await history.locator('canvas').count()).toBe(4);
  // An hour of 2-second rounds is 1800 points, more than a chart needs: minutes are drawn.
  expect(await page.getByTestId('metrics-resolution').textContent()).toBe('1-minute averages');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'container-history-1h.png'), fullPage: true });

  await page.getByTestId('range-7d').click();
  await page.waitForURL(/range=7d/);
  await page.getByTestId('metrics-resolution').getByText('10-minute averages').waitFor();
  expect(await history.locator('canvas').count()).toBe(4);
  // The legend follows the cursor: over the middle of the week it shows the synthetic memory.
  const chart = page.getByTestId('chart-memory').locator('.u-over');
  const box = await chart.boundingBox();
  if (!box) throw new Error('no memory chart');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  expect(await page.getByTestId('chart-memory').locator('.u-legend').textContent()).toContain('MiB');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'container-history-7d.png'), fullPage: true });

  await page.goto(`${server.url}/environments/${environmentId}/metrics?range=15m`);
  await page.getByTestId('chart-disk').locator('canvas').waitFor();
  await page.goto(server.url);
  const overview = page.getByTestId('monitoring-overview');
  await overview.getByTestId('host-usage').first().waitFor();
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-monitoring.png'), fullPage: true });

  // The Events page follows the Engines live: filtered to the container (nothing yet, it started
  // before Windflow), a restart made while the page is open appears without a reload.
  await page.goto(`${server.url}/events`);
  await page.getByRole('textbox', { name: 'Container' }).fill(containerName);
  await page.getByTestId('events-empty').waitFor();
  await page.getByTestId('events-live').getByText('live').waitFor();
  await docker.stopContainer(containerId, { timeoutSeconds: 0 });
  await docker.startContainer(containerId);
  await page.getByTestId('events-table').getByText('start').first().waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('events-table').getByText('die', { exact: true }).count()).toBe(1);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'events-live.png'), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/containers/${containerId}?tab=history&range=7d`);
  await history.locator('canvas').first().waitFor();
  const width = (await page.getByTestId('chart-cpu').boundingBox())?.width ?? 0;
  expect(width).toBeGreaterThan(200);
  expect(width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'container-history-phone.png'), fullPage: true });
  await page.close();
}, 300_000);
