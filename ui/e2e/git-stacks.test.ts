// Git stacks in Chromium against the built binary and the test bed's Git server (smart HTTP
// with basic auth; SSH comes with the SSH transport): add a stack from a repository with "Test
// connection" listing its branches, copy the stack's webhook URL and secret, push a commit, let
// the test play the Git server's delivery, and see the new commit deployed on the stack page.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { down } from '../../src/docker/compose/operations.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { createTestRepo, type TestRepo } from '../../src/testing/git-repos.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const name = `wfe2e-git-${process.pid}-${Date.now().toString(36)}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let repo: TestRepo;

const composeText = (message: string) => `services:
  web:
    image: ${bed.images.busybox}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
    environment:
      MESSAGE: ${message}
`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-git-e2e-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  repo = createTestRepo('e2e');
  repo.commit({ 'deploy/compose.yaml': composeText('one') }, 'first version');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
  await logInPage(page, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await down(docker, name, { volumes: true }).catch(() => undefined);
  docker.close();
  repo?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function webMessage(): Promise<string | undefined> {
  const container = await docker.inspectContainer(`${name}-web-1`).catch(() => undefined);
  return (container?.Config.Env as string[] | undefined)?.find((entry) => entry.startsWith('MESSAGE='));
}

test('add a Git stack, copy its webhook, push, and see the new commit deployed', async () => {
  await page.getByRole('link', { name: 'Stacks' }).click();
  await page.getByTestId('stack-create-git').click();
  await page.getByTestId('git-url').fill(repo.httpUrl);
  await page.getByTestId('git-auth').selectOption('basic');
  await page.getByTestId('git-username').fill(bed.gitHttp.username);
  await page.getByTestId('git-secret').fill('not the password');
  await page.getByTestId('git-test').click();
  await page.getByTestId('git-notice').getByText('refused the credentials').waitFor();
  await page.getByTestId('git-secret').fill(bed.gitHttp.password);
  await page.getByTestId('git-test').click();
  await page.getByTestId('git-branches').getByText('Branches: main').waitFor();
  await page.getByTestId('git-stack-name').fill(name);
  await page.getByTestId('git-compose-path').fill('deploy/compose.yaml');
  await page.getByTestId('git-create').click();

  await page.waitForURL((url) => url.pathname === `/stacks/${name}`);
  await page.getByTestId('stack-commit-message').getByText('first version').waitFor({ timeout: 60_000 });
  for (let attempt = 0; attempt < 300 && (await webMessage()) !== 'MESSAGE=one'; attempt++)
    await Bun.sleep(200);
  expect(await webMessage()).toBe('MESSAGE=one');

  await page.getByRole('button', { name: 'Git', exact: true }).click();
  await page.getByTestId('git-follows').getByText('main').waitFor();
  await page.getByTestId('git-show-webhooks').click();
  const own = page.locator('[data-webhook="stack"]');
  await own.getByRole('button', { name: 'Copy URL' }).click();
  const url = String(await page.evaluate('navigator.clipboard.readText()'));
  await own.getByRole('button', { name: 'Copy secret' }).click();
  const secret = String(await page.evaluate('navigator.clipboard.readText()'));
  expect(url).toStartWith(`${server.url}/api/git/webhooks/`);
  expect(secret).toMatch(/^[0-9a-f]{64}$/);

  // The test plays the Git server: push, then deliver GitHub's push event, signed.
  const commit = repo.commit({ 'deploy/compose.yaml': composeText('two') }, 'second version');
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    after: commit,
    commits: [{ id: commit, added: [], removed: [], modified: ['deploy/compose.yaml'] }],
  });
  const delivered = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `e2e-${Date.now()}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  });
  expect(delivered.status).toBe(202);

  for (let attempt = 0; attempt < 300 && (await webMessage()) !== 'MESSAGE=two'; attempt++)
    await Bun.sleep(200);
  expect(await webMessage()).toBe('MESSAGE=two');
  await page.reload();
  await page.getByTestId('stack-commit-message').getByText('second version').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Git', exact: true }).click();
  await page.getByTestId('git-show-webhooks').click();
  await own.locator('[data-outcome="accepted"]').first().waitFor();
  await page.getByRole('button', { name: 'History' }).click();
  await page
    .getByTestId('stack-history')
    .getByTestId('revision-trigger')
    .getByText('webhook')
    .first()
    .waitFor();
}, 240_000);
