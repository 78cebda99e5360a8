// Updates in Chromium against the built binary and the real test registry: set an auto-update
// policy on the Updates page, push v2 under the running tag, see "update available" after a
// check, try a dry run, run the update and see it in the history and at a webhook receiver
// through a real notification channel; then the new image's vulnerabilities on its scan page
// (the test bed's Grype stand-in), filtered by severity and searched.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { type HttpReceiver, startHttpReceiver } from '../../src/testing/http-receiver.ts';
import { commitImage } from '../../src/testing/images.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `${process.pid}-${Date.now().toString(36)}`;
const name = `wf-e2e-update-${run}`;
const repository = `${bed.registry.address}/windflow-test/e2e-update-${run}`;
const reference = `${repository}:stable`;
const labels = { 'windflow.test': '1', 'windflow.test.run': run };

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;
let receiver: HttpReceiver;
let admin: ApiSession;

/** Busybox committed as the tag (v2 names Grype's sample report for the scanner stand-in), pushed. */
function publish(version: string, report?: string): Promise<string> {
  return commitImage(docker, {
    base: bed.images.busybox,
    script: `echo ${version} > /version${report ? ` && echo ${report} > /windflow-scan-report` : ''}`,
    reference,
    labels,
    config: { Cmd: ['sleep', '3600'], Labels: { ...labels, version } },
    push: true,
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-updates-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
  receiver = startHttpReceiver();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await logInPage(page, server.url);
});

afterAll(async () => {
  receiver?.stop();
  await browser?.close();
  await server?.stop();
  for (const container of await docker.listContainers({
    all: true,
    filters: { label: [`windflow.test.run=${run}`] },
  }))
    await docker.removeContainer(container.Id, { force: true }).catch(() => {});
  for (const image of await docker.request<{ Id: string }[]>('GET', '/images/json', {
    query: { filters: JSON.stringify({ label: [`windflow.test.run=${run}`] }) },
  }))
    await docker.removeImage(image.Id, { force: true }).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('set a policy, see "update available", run the update and get its notification', async () => {
  const v1 = await publish('v1');
  const { Id } = await docker.createContainer({ Image: reference, Labels: labels }, name);
  await docker.startContainer(Id);

  const channel = await admin.call('POST', '/api/notifications/channels', {
    kind: 'webhook',
    name: 'e2e hook',
    settings: { url: `${receiver.url}/hook` },
    events: ['update-available', 'updated'],
    minSeverity: 'info',
  });
  expect(channel.status).toBe(201);

  await page.getByRole('link', { name: 'Updates', exact: true }).click();
  await page.getByRole('heading', { name: 'Updates', level: 1 }).waitFor({ timeout: 90_000 });

  // A policy for this container, from the page's form.
  await page.getByRole('button', { name: 'New policy' }).click();
  const form = page.getByTestId('policy-form');
  await form.getByLabel('Name').fill('nightly e2e');
  await form.getByLabel(name).check();
  await form.getByLabel('What counts as an update').selectOption('digest');
  await form.getByLabel('Scan gate').selectOption('critical');
  await form.getByRole('button', { name: 'Save policy' }).click();
  const policy = page.locator('[data-policy="nightly e2e"]');
  await policy.waitFor();
  await expect(policy.textContent()).resolves.toContain(`${name} · digest · scan gate: critical`);

  // v2 under the same tag; a check finds it.
  const v2 = await publish('v2', 'grype-image');
  await page.getByTestId('check-now').click();
  const row = page.locator(`[data-container="${name}"]`);
  await row.getByTestId('update-available').waitFor();

  // A dry run says what would happen and changes nothing.
  await row.getByRole('button', { name: `Dry run for ${name}` }).click();
  await page.getByText(`Dry run for ${name}: would pull ${reference}`).waitFor();
  expect((await docker.inspectContainer(name)).Image).toBe(v1);

  // The update itself, followed live, then in the history.
  await row.getByRole('button', { name: `Update ${name}` }).click();
  const outcome = page.getByTestId('job-outcome');
  await outcome.waitFor({ timeout: 90_000 });
  await expect(outcome.textContent()).resolves.toContain('Done');
  expect((await docker.inspectContainer(name)).Image).toBe(v2);
  const history = page.locator(`[data-run="${name}"][data-outcome="updated"]`);
  await history.waitFor();

  // Its notification reached the receiver through the channel.
  const deadline = Date.now() + 30_000;
  while (!receiver.requests.some((request) => request.json.event === 'updated') && Date.now() < deadline)
    await Bun.sleep(100);
  const told = receiver.requests.find((request) => request.json.event === 'updated');
  expect(told?.json.title).toBe(`${name} updated to ${reference}`);
  expect(receiver.requests.some((request) => request.json.event === 'update-available')).toBe(true);
}, 180_000);

test("the new image's vulnerabilities: scan it, counts by severity, filter and search", async () => {
  const saved = await admin.call('PUT', '/api/settings/scanning', {
    grypeImage: bed.scanners.grype,
    trivyImage: bed.scanners.trivy,
  });
  expect(saved.status).toBe(200);
  await page.goto(`${server.url}/images/scan?ref=${encodeURIComponent(reference)}`);
  await page.getByTestId('scan-none').waitFor();
  await page.getByRole('button', { name: 'Scan with Grype' }).click();
  const summary = page.getByTestId('scan-summary');
  await summary.waitFor({ timeout: 90_000 });
  await expect(summary.locator('[data-severity="critical"]').textContent()).resolves.toContain('1 critical');
  await expect(summary.locator('[data-severity="low"]').textContent()).resolves.toContain('1 low');

  const table = page.getByTestId('vulnerability-table');
  await expect(table.locator('[data-vulnerability]').count()).resolves.toBe(2);
  await page.getByLabel('Severity').selectOption('critical');
  await expect(table.locator('[data-vulnerability]').count()).resolves.toBe(1);
  await table.locator('[data-vulnerability="CVE-1999-0002"]').waitFor();
  await page.getByLabel('Severity').selectOption('all');
  await page.getByLabel('Search').fill('package-1');
  await expect(table.locator('[data-vulnerability]').count()).resolves.toBe(1);
  await table.locator('[data-vulnerability="CVE-1999-0001"]').waitFor();
  await page.getByLabel('Search').fill('nothing like this');
  await page.getByText('None match the filter.').waitFor();
}, 180_000);
