// The volume browser and the networks page in Chromium against the built binary: upload a file
// into a volume and download it back, then create a network and connect a container to it.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const run = `${process.pid}-${Date.now().toString(36)}`;
const volumeName = `wf-e2e-volume-${run}`;
const networkName = `wf-e2e-net-${run}`;
const containerName = `wf-e2e-member-${run}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-volumes-networks-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  await docker.createContainer(
    { Image: bed.images.busybox, Cmd: ['sleep', '300'], Labels: { 'windflow.test': '1' } },
    containerName,
  );
  await docker.startContainer(containerName);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on('dialog', (dialog) => void dialog.accept());
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await docker.removeContainer(containerName, { force: true }).catch(() => {});
  for (const name of [networkName, `${networkName}-outside`]) {
    await docker.request('DELETE', `/networks/${name}`).catch(() => {});
  }
  for (const name of [volumeName, `${volumeName}-outside`]) {
    await docker.request('DELETE', `/volumes/${name}`).catch(() => {});
  }
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('create a volume, upload a file into a new folder and download it back byte for byte', async () => {
  await page.getByRole('link', { name: 'Volumes' }).click();
  await page.getByTestId('volume-create').click();
  const form = page.getByTestId('volume-form');
  await form.getByLabel('Name').fill(volumeName);
  await form.getByRole('button', { name: 'Create' }).click();
  await page.locator(`[data-volume="${volumeName}"]`).getByRole('link', { name: 'Browse' }).click();
  await page.getByTestId('folder-empty').waitFor();

  await page.getByTestId('new-folder').click();
  await page.getByTestId('new-folder-name').fill('config');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('[data-entry="config"]').getByRole('button', { name: 'config', exact: true }).click();
  await page.getByTestId('folder-empty').waitFor();

  const content = Buffer.from(`line one\nbinary-ish \u00e9\u00e8 ${run}\n`);
  await page
    .getByTestId('upload-input')
    .setInputFiles({ name: 'app.conf', mimeType: 'text/plain', buffer: content });
  const row = page.locator('[data-entry="app.conf"]');
  await row.waitFor();
  expect(await page.getByTestId('browser-notice').textContent()).toContain('Uploaded app.conf');

  const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('download').click()]);
  const saved = await download.path();
  expect(readFileSync(saved)).toEqual(content);

  await row.getByRole('button', { name: 'app.conf', exact: true }).click();
  await page.getByText(`binary-ish éè ${run}`).waitFor();
});

test('create a network with a subnet and connect a container with an alias and a fixed address', async () => {
  await page.getByRole('link', { name: 'Networks' }).click();
  await page.getByTestId('network-create').click();
  const form = page.getByTestId('network-form');
  await form.getByLabel('Name').fill(networkName);
  await form.getByLabel('Subnet').fill('172.31.240.0/24');
  await form.getByLabel('Gateway').fill('172.31.240.1');
  await form.getByRole('button', { name: 'Create' }).click();
  const card = page.locator(`[data-network="${networkName}"]`);
  await card.getByText('172.31.240.0/24').waitFor();

  await card.getByTestId('network-connect').click();
  const connect = card.getByTestId('connect-form');
  await connect.getByLabel('Container').selectOption({ label: `${containerName} (running)` });
  await connect.getByLabel('Aliases').fill('db');
  await connect.getByLabel('Fixed IPv4 address').fill('172.31.240.50');
  await connect.getByRole('button', { name: 'Connect' }).click();
  const attached = card.getByTestId('attached');
  await attached.getByText(containerName).waitFor();
  expect(await attached.textContent()).toContain('172.31.240.50');

  const inspect = await docker.inspectContainer(containerName);
  const endpoint = (
    inspect as unknown as {
      NetworkSettings: { Networks: Record<string, { IPAddress: string; Aliases: string[] }> };
    }
  ).NetworkSettings.Networks[networkName];
  expect(endpoint?.IPAddress).toBe('172.31.240.50');
  expect(endpoint?.Aliases).toContain('db');

  // The Engine's own document, fetched when opened.
  await card.getByText('Inspect', { exact: true }).click();
  const document = JSON.parse((await card.getByTestId('inspect-json').textContent()) ?? '{}');
  expect(document).toMatchObject({ Name: networkName, IPAM: { Config: [{ Subnet: '172.31.240.0/24' }] } });
});

test('networks and volumes made elsewhere show up without a reload', async () => {
  await page.getByRole('link', { name: 'Networks' }).click();
  await page.getByTestId('network-list').waitFor();
  await docker.request('POST', '/networks/create', {
    body: { Name: `${networkName}-outside`, Labels: { 'windflow.test': '1' } },
  });
  await page.locator(`[data-network="${networkName}-outside"]`).waitFor();

  await page.getByRole('link', { name: 'Volumes' }).click();
  await page.getByTestId('volume-list').waitFor();
  await docker.request('POST', '/volumes/create', {
    body: { Name: `${volumeName}-outside`, Labels: { 'windflow.test': '1' } },
  });
  await page.locator(`[data-volume="${volumeName}-outside"]`).waitFor();
});

test('the System page shows disk usage and follows engine events live', async () => {
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByTestId('disk-total').waitFor();
  expect(await page.getByTestId('usage-images').textContent()).toMatch(/in use of \d+/);

  await page.getByTestId('events-start').click();
  await page.getByTestId('events-state').getByText('live').waitFor();
  await docker.request('POST', `/containers/${containerName}/pause`);
  await docker.request('POST', `/containers/${containerName}/unpause`);
  await page.getByTestId('event-list').getByText('pause').first().waitFor();
});
