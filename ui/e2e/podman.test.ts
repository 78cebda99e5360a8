// The built binary managing Podman (the test bed's rootful Podman 4 socket) in Chromium: the
// dashboard names the engine, and what Podman does not have is shown as such, with the reason,
// where the Docker page would offer it (the build cache, attachable networks).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { NOT_ON_PODMAN } from '../../src/docker/views.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-e2e-podman-'));
  server = await startBinary({ dataDir, dockerSocket: bed.podman.socket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await browser.newPage();
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  if (server) await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the dashboard says the engine is Podman', async () => {
  await page.goto(server.url);
  const version = page.getByTestId('engine-version');
  await version.waitFor();
  expect(await version.locator('xpath=..').textContent()).toMatch(/^\s*Podman 4\./);
});

test('the system page shows the build cache as not on Podman and does not offer to prune it', async () => {
  await page.goto(`${server.url}/system`);
  const note = page.getByTestId('build-cache-not-on-podman');
  await note.waitFor();
  expect(await note.textContent()).toContain(NOT_ON_PODMAN.buildCache.why);
  await page.getByTestId('cleanup-preview').click();
  const missing = page.getByTestId('cleanup-missing-buildCache');
  await missing.waitFor();
  expect(await missing.textContent()).toContain('Not on Podman');
  expect(await page.getByTestId('cleanup-kind-buildCache').isDisabled()).toBe(true);
  expect(await page.getByTestId('cleanup-kind-buildCache').isChecked()).toBe(false);
});

test('the network form disables attachable on Podman and says why', async () => {
  await page.goto(`${server.url}/networks`);
  await page.getByTestId('network-create').click();
  const note = page.getByTestId('attachable-not-on-podman');
  await note.waitFor();
  expect(await note.textContent()).toContain(NOT_ON_PODMAN.attachable.why);
  expect(await page.locator('input[name="attachable"]').isDisabled()).toBe(true);
});
