// Images and registries in Chromium against the built binary: pull an image and watch its
// layers' progress, then save a registry that needs a password and browse it to a tag's digest.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const login = bed.authRegistries.basic;
const repository = `windflow-test/e2e-${process.pid}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-images-'));
  await docker.removeImage(bed.images.pullable, { force: true }).catch(() => {});
  const pushed = `${login.address}/${repository}:v1`;
  await docker.tagImage(bed.images.busybox, pushed);
  for await (const _ of docker.pushImage(pushed, {
    auth: { username: login.username, password: login.password, serveraddress: login.address },
  })) {
    // setting the scene: the registry needs something to browse
  }
  await docker.removeImage(pushed);
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('pull an image and watch each layer progress to the end', async () => {
  await page.getByRole('link', { name: 'Images' }).click();
  await page.getByTestId('image-table').waitFor();
  const form = page.getByTestId('pull-form');
  await form.getByLabel('Pull an image').fill(bed.images.pullable);
  await form.getByRole('button', { name: 'Pull' }).click();

  const progress = page.getByTestId('job-progress');
  await progress.getByText(bed.images.pullable).waitFor();
  await progress.locator('[data-layer]').first().waitFor();
  await progress.getByTestId('job-outcome').getByText('Done').waitFor();
  const bars = await progress.getByRole('progressbar').all();
  expect(bars.length).toBeGreaterThan(0);
  for (const bar of bars) expect(await bar.getAttribute('aria-valuenow')).toBe('100');
  await page.locator(`[data-image="${bed.images.pullable}"]`).waitFor();
  expect((await docker.inspectImage(bed.images.pullable)).RepoTags).toContain(bed.images.pullable);

  await page.getByRole('button', { name: `Details of ${bed.images.pullable}` }).click();
  await page.getByTestId('image-history').locator('li').first().waitFor();
});

test('save a registry that needs a password and browse it to a tag digest', async () => {
  await page.getByRole('link', { name: 'Registries' }).click();
  await page.getByRole('button', { name: 'Add a registry' }).click();
  const form = page.getByTestId('registry-form');
  await form.getByLabel('Name', { exact: true }).fill('basic-auth');
  await form.getByLabel('URL').fill(`http://${login.address}`);
  await form.getByLabel('User name').fill(login.username);
  await form.getByLabel('Password or token').fill(login.password);
  await form.getByRole('button', { name: 'Save' }).click();
  const item = page.getByTestId('registry-list').getByRole('listitem').filter({ hasText: 'basic-auth' });
  await item.getByText('password set').waitFor();

  await item.getByRole('button', { name: 'Browse' }).click();
  const browser = page.getByTestId('registry-browser');
  await browser.getByRole('button', { name: repository }).click();
  await browser.getByRole('button', { name: 'v1' }).click();
  const shown = await browser.getByTestId('tag-digest').textContent();
  const digest = await fetch(`http://${login.address}/v2/${repository}/manifests/v1`, {
    method: 'HEAD',
    headers: {
      authorization: `Basic ${btoa(`${login.username}:${login.password}`)}`,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  expect(shown).toBe(digest.headers.get('docker-content-digest') as string);
});
