// Git stacks in Chromium against the built binary and the test bed's Git server over SSH (HTTP
// is covered by the backend's tests): generate a deploy key in the form, trust the server's host
// key on first contact (its fingerprint checked against the server's own), be told the key is
// refused until it is added on the server, add it, see the branches, create the stack; then copy
// the stack's webhook URL and secret, push a commit, preview the pull, let the test play the Git server's
// delivery, and see the new commit deployed on the stack page; last, a host key that no longer
// matches the pin is shown with both fingerprints and replaced only when asked.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { down } from '../../src/docker/compose/operations.ts';
import type { GitRepositoryView } from '../../src/docker/views.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { authorizeDeployKey, createTestRepo, type TestRepo } from '../../src/testing/git-repos.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const SCREENSHOT_DIR = join(import.meta.dir, '..', '..', 'dist', 'screenshots');
const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const name = `wfe2e-git-${process.pid}-${Date.now().toString(36)}`;

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let repo: TestRepo;
let revokeDeployKey: (() => void) | undefined;
let api: ApiSession;

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
  api = await ApiSession.forServer(server.url).setUpAdmin();
  repo = createTestRepo('e2e');
  repo.commit({ 'deploy/compose.yaml': composeText('one') }, 'first version');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
  await logInPage(page, server.url);
});

afterAll(async () => {
  revokeDeployKey?.();
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

test('add a Git stack over SSH with a deploy key, copy its webhook, push, and see the new commit deployed', async () => {
  await page.getByRole('link', { name: 'Stacks' }).click();
  await page.getByTestId('stack-create-git').click();
  await page.getByTestId('git-url').fill(repo.sshUrl);
  expect(await page.getByTestId('git-auth').inputValue()).toBe('ssh');
  await page.getByTestId('git-generate-key').click();
  const deployKey = page.getByTestId('git-deploy-key');
  await deployKey.getByRole('button', { name: 'Copy public key' }).click();
  const publicKey = String(await page.evaluate('navigator.clipboard.readText()'));
  expect(publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* windflow-deploy-key$/);
  expect(await deployKey.getByTestId('git-deploy-key-fingerprint').textContent()).toMatch(/^SHA256:/);

  // First contact: the server's host key is shown to confirm, then pinned and the test rerun.
  await page.getByTestId('git-test').click();
  const unknown = page.getByTestId('git-host-key-unknown');
  await unknown.waitFor();
  expect(await unknown.getByTestId('git-host-key-fingerprint').textContent()).toBe(
    bed.gitSsh.hostKeyFingerprint,
  );
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'git-ssh-host-key.png'), fullPage: true });
  await unknown.getByRole('button', { name: 'Trust this host key' }).click();
  await page.getByTestId('git-pinned-host-key').getByText(bed.gitSsh.hostKeyFingerprint).waitFor();
  // The key is not on the server yet: the form says what to do.
  await page.getByTestId('git-notice').getByText('The server refused the SSH key').waitFor();
  revokeDeployKey = authorizeDeployKey(publicKey);
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
  const ssh = page.getByTestId('git-repository-ssh');
  expect(await ssh.getByTestId('git-repository-host-key').textContent()).toBe(bed.gitSsh.hostKeyFingerprint);
  await ssh.getByText(publicKey.split(' ')[1] as string).waitFor();
  // Saving the connection unchanged keeps the sealed key and the pin: it still connects.
  await page.getByTestId('git-edit-connection').click();
  const edit = page.getByTestId('git-repository-edit');
  expect(await edit.getByTestId('git-key-keep').isChecked()).toBe(true);
  await edit.getByTestId('git-repository-save').click();
  await edit.getByText('Saved. Connected: 1 branch(es)').waitFor();
  await edit.getByRole('button', { name: 'Close' }).click();
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
  // "Preview pull" first: the new commit, its diff and the plan, with nothing deployed.
  await page.getByTestId('git-preview').click();
  const previewed = page.getByTestId('git-preview-result');
  await previewed
    .getByTestId('git-preview-commit')
    .getByText(commit.slice(0, 10))
    .waitFor({ timeout: 60_000 });
  await previewed.getByText('second version').waitFor();
  await previewed.locator('[data-change="web:recreate"]').waitFor();
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'git-preview-pull.png'), fullPage: true });
  expect(await webMessage()).toBe('MESSAGE=one');
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

  // The server no longer shows the pinned key (as after a reinstall, or with someone in between):
  // "Pull and redeploy" fetches nothing, shows both fingerprints, and replaces the pin only when asked.
  const environments = (await api.call('GET', '/api/environments')).body as { id: number }[];
  const repositories = `/api/environments/${environments[0]?.id}/git/repositories`;
  const [saved] = (await api.call('GET', repositories)).body as GitRepositoryView[];
  const otherPin = `SHA256:${'A'.repeat(43)}`;
  const pinned = await api.call('PUT', `${repositories}/${saved?.id}`, {
    name: saved?.name,
    url: saved?.url,
    auth: 'ssh',
    knownHostKey: otherPin,
  });
  expect(pinned.status).toBe(200);
  await page.getByRole('button', { name: 'Git', exact: true }).click();
  await page.getByTestId('git-redeploy').click();
  const changed = page.getByTestId('git-host-key-changed');
  await changed.waitFor();
  expect(await changed.getByTestId('git-host-key-expected').textContent()).toBe(otherPin);
  expect(await changed.getByTestId('git-host-key-fingerprint').textContent()).toBe(
    bed.gitSsh.hostKeyFingerprint,
  );
  await changed.getByRole('button', { name: 'Replace the pinned key with the presented one' }).click();
  await page.getByTestId('git-repository-host-key').getByText(bed.gitSsh.hostKeyFingerprint).waitFor();
  await changed.waitFor({ state: 'detached' });
  // …and then redeployed: a "pull and redeploy" revision follows.
  const revisions = `/api/environments/${environments[0]?.id}/stacks/${name}/revisions`;
  const redeployed = async () =>
    ((await api.call('GET', revisions)).body as { trigger: string }[]).some(
      (each) => each.trigger === 'manual',
    );
  for (let attempt = 0; attempt < 300 && !(await redeployed()); attempt++) await Bun.sleep(200);
  expect(await redeployed()).toBe(true);
}, 240_000);
