// Windflow behind the reverse proxies users run, from the very configs it ships
// (scripts/proxies/, started by scripts/testbed/proxies.sh): nginx and Caddy, each terminating
// TLS, at the root and under /windflow/. In Chromium through each: log in, read a container's
// logs live (server-sent events), type into its terminal (a WebSocket) and watch a pull's
// progress (a job's event stream). Over the API through each: the cookies are Secure with the
// prefix as their Path, and the audit log records the address the proxy saw, not the
// X-Forwarded-For the client forged.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerClient } from '../../src/docker/client.ts';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { pushUniqueImage } from '../../src/testing/images.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const ca = readFileSync(bed.localhostTls.ca, 'utf8');
const name = `wf-e2e-proxied-${process.pid}-${Date.now().toString(36)}`;

const dataDirs: string[] = [];
const upstreams = new Map<'root' | 'subpath', RunningBinary>();
const pulled: string[] = [];
let containerId: string;
let browser: Browser;

async function startUpstream(kind: 'root' | 'subpath') {
  const dataDir = mkdtempSync(join(tmpdir(), `windflow-proxied-${kind}-`));
  dataDirs.push(dataDir);
  const server = await startBinary({
    dataDir,
    dockerSocket: bed.dockerSocket,
    port: bed.proxies.upstreams[kind],
    env: {
      WINDFLOW_TRUSTED_PROXIES: '127.0.0.1',
      ...(kind === 'subpath' ? { WINDFLOW_BASE_PATH: '/windflow' } : {}),
    },
  });
  upstreams.set(kind, server);
  await ApiSession.forServer(server.url).setUpAdmin();
}

beforeAll(async () => {
  await startUpstream('root');
  await startUpstream('subpath');
  const created = await docker.createContainer(
    {
      Image: bed.images.busybox,
      Cmd: ['sh', '-c', 'trap exit TERM; i=0; while true; do i=$((i+1)); echo "tick-$i"; sleep 0.3; done'],
      Labels: { 'windflow.test': '1' },
    },
    name,
  );
  containerId = created.Id;
  await docker.startContainer(containerId);
  // HTTP/1.1 to the proxies: Chromium drops its HTTP/2 sessions, and the requests and event
  // streams in them (ERR_NETWORK_CHANGED), whenever the host's interfaces change, which they do
  // each time a container starts on this shared test machine.
  browser = await launchChromium(['--disable-http2']);
});

afterAll(async () => {
  await browser?.close();
  for (const server of upstreams.values()) await server.stop();
  await docker.removeContainer(name, { force: true }).catch(() => {});
  for (const image of pulled) await docker.removeImage(image, { force: true }).catch(() => {});
  docker.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

for (const site of bed.proxies.sites) {
  // e.g. https://127.0.0.1:8082/windflow (no trailing slash, as logInPage wants it)
  const base = site.url.replace(/\/$/, '');
  const prefix = new URL(site.url).pathname;

  describe(`${site.proxy} at ${prefix}`, () => {
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      // The proxy's certificate is signed by the test bed's own CA.
      context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    });
    afterAll(() => context?.close());

    test('log in; the UI, its assets and the session live under the prefix', async () => {
      await logInPage(page, base);
      expect(new URL(page.url()).pathname).toBe(prefix);
      await page.getByRole('link', { name: 'Containers' }).waitFor();
      const cookies = await context.cookies();
      const session = cookies.find((cookie) => cookie.name === 'windflow_session');
      expect(session).toMatchObject({ path: prefix, secure: true, httpOnly: true });
    });

    test('a container’s logs arrive live through the proxy', async () => {
      // A page load that a network change on this shared machine aborted (a container starting
      // elsewhere) is loaded again once; the stream itself must then run unbroken.
      const logs = page.getByTestId('log-lines');
      const firstLine = () =>
        logs
          .getByText(/tick-\d+/)
          .first()
          .waitFor({ timeout: 15_000 });
      await page.goto(`${base}/containers/${containerId}?tab=logs`);
      await firstLine().catch(async () => {
        await page.reload();
        await firstLine();
      });
      const seen = Number((await logs.textContent())?.match(/tick-(\d+)(?!.*tick-)/s)?.[1]);
      // Later lines arrive while the page stays open: the stream is not buffered by the proxy.
      await logs.getByText(`tick-${seen + 3}`, { exact: true }).waitFor({ timeout: 10_000 });
    });

    test('the terminal’s WebSocket passes through the proxy', async () => {
      await page.getByRole('tab', { name: 'Terminal' }).click();
      await page.getByTestId('terminal-open').click();
      await page.getByTestId('terminal-status').getByText('Connected: /bin/sh').waitFor();
      await page.getByTestId('terminal').click();
      await page.keyboard.type('echo "proxied-$((6*7))"\n');
      await page.getByTestId('terminal').getByText('proxied-42').waitFor();
    });

    test('a pull’s layer progress streams through the proxy', async () => {
      const image = await pushUniqueImage(
        docker,
        bed.registry.address,
        `${name}-${site.proxy}-${site.upstream}`,
      );
      pulled.push(image);
      await page.goto(`${base}/images`);
      await page.getByTestId('image-table').waitFor();
      const form = page.getByTestId('pull-form');
      await form.getByLabel('Pull an image').fill(image);
      await form.getByRole('button', { name: 'Pull' }).click();
      const progress = page.getByTestId('job-progress');
      await progress.locator('[data-layer]').first().waitFor();
      await progress.getByTestId('job-outcome').getByText('Done').waitFor();
      for (const bar of await progress.getByRole('progressbar').all()) {
        expect(await bar.getAttribute('aria-valuenow')).toBe('100');
      }
    });

    test('the audit log has the address the proxy saw, not a forged X-Forwarded-For', async () => {
      const api = new ApiSession((request) => fetch(request, { tls: { ca } }), base);
      const forged = await api.call(
        'POST',
        '/api/auth/login',
        { username: `forger-${site.proxy}`, password: 'x' },
        { 'x-forwarded-for': '203.0.113.66' },
      );
      expect(forged.status).toBe(401);

      const admin = new ApiSession((request) => fetch(request, { tls: { ca } }), base);
      const loggedIn = await admin.login({ username: 'admin', password: 'correct horse battery staple' });
      expect(loggedIn.status).toBe(200);
      for (const cookie of loggedIn.headers.getSetCookie()) {
        expect(cookie).toMatch(/;\s*Secure/i);
        expect(cookie).toContain(`Path=${prefix}`);
      }
      const entries = (await admin.call('GET', `/api/audit?limit=50&username=forger-${site.proxy}`)).body
        .entries as { sourceIp: string }[];
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(entry.sourceIp).toBe('127.0.0.1');
    });
  });
}
