// Volume and image imports in Chromium against the built binary: the file inputs send the tar
// as the browser does (its own content type, declared length) and the pages show what landed.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { tarStream } from '../../src/docker/volume-tar.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `${process.pid}-${Date.now().toString(36)}`;
const volumeName = `wf-e2e-import-${run}`;
const imageTag = `windflow-test/e2e-import-${run}:latest`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-imports-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => void dialog.accept());
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await docker.request('DELETE', `/volumes/${volumeName}`).catch(() => {});
  await docker.removeImage(imageTag).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a tar chosen in the volume browser is unpacked into the volume', async () => {
  await docker.request('POST', '/volumes/create', {
    body: { Name: volumeName, Labels: { 'windflow.test': '1' } },
  });
  const content = `imported through the browser ${run}\n`;
  const archive = await new Response(
    tarStream([
      {
        name: 'from-browser.txt',
        size: Buffer.byteLength(content),
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: Math.floor(Date.now() / 1000),
        body: () => new Blob([content]).stream(),
      },
    ]),
  ).arrayBuffer();
  await page.getByRole('link', { name: 'Volumes' }).click();
  await page.locator(`[data-volume="${volumeName}"]`).getByRole('link', { name: 'Browse' }).click();
  await page.getByTestId('folder-empty').waitFor();
  await page
    .getByTestId('volume-import')
    .setInputFiles({ name: 'v.tar', mimeType: 'application/x-tar', buffer: Buffer.from(archive) });
  await page.locator('[data-entry="from-browser.txt"]').waitFor();
  expect(await page.getByTestId('browser-notice').textContent()).toContain('Imported v.tar: 1 entries');
});

test('an image archive chosen on the images page is loaded', async () => {
  await docker.tagImage(bed.images.busybox, imageTag);
  const saved = await docker.stream('GET', `/images/${imageTag}/get`);
  const archive = Buffer.from(await new Response(saved).arrayBuffer());
  await docker.removeImage(imageTag);
  await page.getByRole('link', { name: 'Images' }).click();
  // The images page's own input: the volume browser's may still be in the page while it leaves.
  await page
    .getByTestId('image-import')
    .setInputFiles({ name: 'image.tar', mimeType: 'application/x-tar', buffer: archive });
  await page.getByTestId('images-notice').getByText(`Loaded ${imageTag}`).waitFor();
  expect((await docker.inspectImage(imageTag)).RepoTags).toContain(imageTag);
});
