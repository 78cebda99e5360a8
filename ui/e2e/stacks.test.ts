// Stacks in Chromium against the built binary: write a stack in the editor (completion and the
// server's validation in it), see the preview, deploy and watch the progress, change it, break it
// and see the automatic rollback, then roll back by hand from the history.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { down } from '../../src/docker/compose/operations.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const name = `wfe2e-${process.pid}-${Date.now().toString(36)}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-stacks-e2e-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await down(docker, name, { volumes: true }).catch(() => undefined);
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const composeText = (message: string, health = 'true') => `services:
  web:
    image: ${bed.images.busybox}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment:
      MESSAGE: ${message}
    healthcheck:
      test: ["CMD-SHELL", "${health}"]
      interval: 1s
      timeout: 1s
      retries: 1
`;

/** Replaces the compose editor's text, as a paste would. */
async function setCompose(text: string) {
  const editor = page.getByTestId('editor-compose').locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function webMessage(): Promise<string | undefined> {
  const container = await docker.inspectContainer(`${name}-web-1`);
  return (container.Config.Env as string[]).find((entry) => entry.startsWith('MESSAGE='));
}

/** Clicks and follows the job it starts (not the one shown before) to its outcome. */
async function followNewJob(start: () => Promise<void>, expected: 'Done' | 'Failed') {
  const shown = page.getByTestId('job-progress');
  const before = (await shown.count()) > 0 ? await shown.getAttribute('data-job') : null;
  await start();
  const progress = page.locator(`[data-testid="job-progress"]:not([data-job="${before}"])`);
  await progress.getByTestId('job-outcome').getByText(expected).waitFor({ timeout: 60_000 });
  return progress;
}

const deployAndWait = (expected: 'Done' | 'Failed') =>
  followNewJob(() => page.getByTestId('stack-deploy').click(), expected);

test('write a stack in the editor, preview it and deploy it watching the progress', async () => {
  await page.getByRole('link', { name: 'Stacks' }).click();
  await page.getByTestId('stack-create').click();
  await page.getByTestId('stack-name').fill(name);

  // The server's schema validation marks the line with an unknown key.
  await setCompose(`${composeText('one')}    imagee: typo\n`);
  const lintMark = page.getByTestId('editor-compose').locator('.cm-lintRange-error');
  await lintMark.first().waitFor({ timeout: 10_000 });
  // Completion offers the service keys of the compose specification.
  await setCompose(`${composeText('one')}    heal`);
  await page.keyboard.press('Control+Space');
  await page.locator('.cm-tooltip-autocomplete').getByText('healthcheck').first().waitFor();
  await page.keyboard.press('Escape');
  await setCompose(composeText('one'));
  await expect(lintMark.count()).resolves.toBe(0);

  await page.getByTestId('stack-preview-button').click();
  const preview = page.getByTestId('stack-preview');
  await preview.locator('[data-change="web:create"]').waitFor();
  expect(await preview.locator('[data-diff="added"]').count()).toBeGreaterThan(5);

  const progress = await deployAndWait('Done');
  await progress.locator('[data-step="web:start:done"]').waitFor();
  await page.waitForURL((url) => url.pathname === `/stacks/${name}`);
  expect(await webMessage()).toBe('MESSAGE=one');
  await page.getByRole('button', { name: 'Services' }).click();
  await page.getByTestId('stack-services').locator(`[data-container="${name}-web-1"]`).waitFor();
});

test('a change deploys; a broken one is rolled back by itself and says why', async () => {
  await page.getByRole('button', { name: 'Editor' }).click();
  await setCompose(composeText('two'));
  await page.getByTestId('stack-preview-button').click();
  await page.getByTestId('stack-preview').locator('[data-change="web:recreate"]').waitFor();
  await page.getByTestId('stack-preview').getByText('+       MESSAGE: two').waitFor();
  await deployAndWait('Done');
  expect(await webMessage()).toBe('MESSAGE=two');

  await page.getByRole('button', { name: 'Editor' }).click();
  await setCompose(composeText('broken', 'exit 1'));
  const progress = await deployAndWait('Failed');
  await progress.getByText('Revision 2 was put back').waitFor();
  await progress.locator('[data-step=":rollback:done"]').waitFor();
  expect(await webMessage()).toBe('MESSAGE=two');
  expect((await docker.inspectContainer(`${name}-web-1`)).State.Running).toBe(true);

  await page.getByRole('button', { name: 'History' }).click();
  const broken = page.getByTestId('stack-history').locator('[data-revision="3"]');
  await broken.getByTestId('revision-outcome').getByText('rolled-back').waitFor();
  await broken.click();
  await broken
    .getByTestId('revision-message')
    .getByText(/healthcheck|healthy/)
    .waitFor();
});

test('roll back by hand from the history', async () => {
  page.once('dialog', (dialog) => void dialog.accept());
  await followNewJob(
    () =>
      page
        .getByTestId('stack-history')
        .locator('[data-revision="1"]')
        .getByTestId('revision-rollback')
        .click(),
    'Done',
  );
  expect(await webMessage()).toBe('MESSAGE=one');
  await page.getByRole('button', { name: 'History' }).click();
  const latest = page.getByTestId('stack-history').locator('[data-revision="4"]');
  await latest.getByText('rollback to 1').waitFor();
  await latest.getByTestId('revision-outcome').getByText('deployed').waitFor();
});
