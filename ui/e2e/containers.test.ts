// Containers in Chromium against the built binary: create one from the form, watch it start in
// the list without a reload, read its logs live, type into its terminal, stop and remove it;
// and the form's clear errors for bad input.
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
const name = `wf-e2e-app-${process.pid}-${Date.now().toString(36)}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-containers-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const leftover of [name, `${name}-pulled`])
    await docker.removeContainer(leftover, { force: true }).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function fillForm(fields: {
  image: string;
  name: string;
  command?: string;
  memory?: string;
  labels?: string;
}) {
  const form = page.getByTestId('container-form');
  await form.getByLabel('Image', { exact: true }).fill(fields.image);
  await form.getByLabel('Name', { exact: true }).fill(fields.name);
  if (fields.command) await form.getByLabel('Command', { exact: true }).fill(fields.command);
  await form.getByLabel('Memory limit').fill(fields.memory ?? '');
  if (fields.labels) await form.getByLabel('Labels (key=value per line)').fill(fields.labels);
  return form;
}

test('create from the form; an open list shows it start without a reload', async () => {
  // The list stays open in a second tab while the first one creates the container.
  const list = await page.context().newPage();
  await list.goto(`${server.url}/containers`);
  await list.getByTestId('container-table').or(list.getByTestId('containers-empty')).waitFor();
  await list.evaluate(() => {
    (globalThis as unknown as { stillThisPage: boolean }).stillThisPage = true;
  });

  await page.bringToFront(); // a background tab is throttled
  await page.getByRole('link', { name: 'Containers' }).click();
  await page.getByTestId('container-new').click();
  const form = await fillForm({
    image: bed.images.busybox,
    name,
    command: `sh -c 'trap exit TERM; i=0; while true; do i=$((i+1)); echo "hello-$i"; sleep 0.3; done'`,
    memory: '64m',
    labels: 'windflow.test=1',
  });
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('container-name').textContent()).resolves.toBe(name);

  await list.locator(`[data-container="${name}"][data-state="running"]`).waitFor();
  expect(
    await list.evaluate(() => (globalThis as unknown as { stillThisPage?: boolean }).stillThisPage),
  ).toBe(true);
  await list.close();
  await page.getByRole('link', { name: '← Containers' }).click();
  const row = page.locator(`[data-container="${name}"][data-state="running"]`);
  await row.waitFor();
  // CPU at a glance comes from the server's usage stream (a reading every 10 s).
  await row
    .getByTestId('container-cpu')
    .filter({ hasText: /\d+\.\d%/ })
    .waitFor({ timeout: 25_000 });
});

test('its logs arrive live', async () => {
  await page.locator(`[data-container="${name}"]`).getByRole('link', { name }).click();
  await page.getByRole('tab', { name: 'Logs' }).click();
  const logs = page.getByTestId('log-lines');
  await logs.getByText('hello-2', { exact: true }).waitFor();
  const seen = Number((await logs.textContent())?.match(/hello-(\d+)(?!.*hello-)/s)?.[1]);
  await logs.getByText(`hello-${seen + 3}`, { exact: true }).waitFor();
  await page.getByTestId('log-search').fill(`hello-${seen}`);
  expect(await page.getByTestId('log-matches').textContent()).toContain('matching');
  expect(await logs.locator('mark').first().textContent()).toBe(`hello-${seen}`);
});

test('a command typed into the terminal shows its output', async () => {
  await page.getByRole('tab', { name: 'Terminal' }).click();
  await page.getByTestId('terminal-open').click();
  await page.getByTestId('terminal-status').getByText('Connected: /bin/sh').waitFor();
  await page.getByTestId('terminal').click();
  await page.keyboard.type('echo "answer-$((6*7))"\n');
  await page.getByTestId('terminal').getByText('answer-42').waitFor();
});

test('stop it (the terminal then says why it cannot open), then remove it', async () => {
  await page.getByTestId('action-stop').click();
  await page.getByTestId('action-start').waitFor();
  await page.getByRole('tab', { name: 'Terminal' }).click();
  expect(await page.getByTestId('terminal-unavailable').textContent()).toContain(
    'start it to open a terminal',
  );

  await page.getByTestId('action-remove').click();
  await page.getByRole('heading', { name: 'Containers' }).waitFor();
  await page.locator(`[data-container="${name}"]`).waitFor({ state: 'detached' });
  expect(await docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
});

test('bad input in the form gets a clear message', async () => {
  await page.getByTestId('container-new').click();
  const form = await fillForm({ image: bed.images.busybox, name: 'bad name!' });
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(form.getByRole('alert').textContent()).resolves.toContain('a container name is');

  await fillForm({ image: bed.images.busybox, name: `${name}-x`, memory: 'lots' });
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(form.getByRole('alert').textContent()).resolves.toContain('write it like 512m');

  const holder = await docker.createContainer({
    Image: bed.images.busybox,
    Cmd: ['sleep', '300'],
    Labels: { 'windflow.test': '1' },
    ExposedPorts: { '80/tcp': {} },
    HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '' }] } },
  });
  await docker.startContainer(holder.Id);
  const inspected = (await docker.inspectContainer(holder.Id)) as unknown as {
    NetworkSettings: { Ports: Record<string, { HostPort: string }[]> };
  };
  const taken = inspected.NetworkSettings.Ports['80/tcp']?.[0]?.HostPort ?? '';
  await fillForm({ image: bed.images.busybox, name: `${name}-x`, memory: '' });
  await form.getByRole('button', { name: 'Add a port' }).click();
  const port = form.getByTestId('port-row');
  await port.getByLabel('Host port').fill(taken);
  await port.getByLabel('Container port').fill('8080');
  await form.getByRole('button', { name: 'Create' }).click();
  await form.getByRole('alert').getByText('already in use').waitFor();
  await port.getByRole('button', { name: /Remove port/ }).click();
  await docker.removeContainer(holder.Id, { force: true });

  await fillForm({ image: `${bed.registry.address}/windflow-test/missing:1`, name: `${name}-x` });
  await form.getByRole('button', { name: 'Create' }).click();
  await form.getByRole('alert').getByText('could not be pulled').waitFor();
  expect(await docker.listContainers({ all: true, filters: { name: [`${name}-x`] } })).toEqual([]);
});

test('an image the engine lacks is pulled on the form, layer by layer, then the container made', async () => {
  await docker.removeImage(bed.images.pullable, { force: true }).catch(() => {});
  await page.getByRole('link', { name: 'Containers' }).click();
  await page.getByTestId('container-new').click();
  const form = await fillForm({ image: bed.images.pullable, name: `${name}-pulled`, command: 'sleep 300' });
  await form.getByRole('button', { name: 'Create' }).click();
  await form.getByTestId('job-progress').waitFor();
  await expect(page.getByTestId('container-name').textContent()).resolves.toBe(`${name}-pulled`);
  expect((await docker.inspectImage(bed.images.pullable)).RepoTags).toContain(bed.images.pullable);
});
