// The e-mail channel form in Chromium against the built binary and a STARTTLS relay whose
// certificate comes from the test bed's own CA (a company relay with an internal CA): the test
// button says the certificate is not trusted, a pasted key is refused on save, and the CA's PEM
// in the certificate field makes the test message arrive over TLS.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type RunningBinary, startBinary } from '../../src/testing/binary.ts';
import { launchChromium } from '../../src/testing/browser.ts';
import { ApiSession, logInPage } from '../../src/testing/session.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../../src/testing/smtp-receiver.ts';
import { testbed } from '../../src/testing/testbed.ts';

const bed = testbed();
const login = { username: 'windflow', password: 'relay secret' };
const serverTls = {
  cert: readFileSync(bed.localhostTls.cert, 'utf8'),
  key: readFileSync(bed.localhostTls.key, 'utf8'),
};

let dataDir: string;
let server: RunningBinary;
let browser: Browser;
let page: Page;
let relay: SmtpReceiver;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-notifications-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  await ApiSession.forServer(server.url).setUpAdmin();
  relay = await startSmtpReceiver(login, { security: 'starttls', tls: serverTls });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await logInPage(page, server.url);
});

afterAll(async () => {
  relay?.stop();
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('an e-mail channel to a relay with an internal CA: refused until its CA certificate is set', async () => {
  await page.goto(`${server.url}/notifications`);
  await page.getByRole('button', { name: 'Add a channel' }).click();
  const form = page.getByTestId('channel-form');
  await form.getByLabel('Name').fill('ops mail');
  await form.getByLabel('Kind').selectOption({ label: 'E-mail (SMTP)' });
  await form.getByLabel('SMTP server').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(relay.port));
  await expect(form.getByLabel('Security').inputValue()).resolves.toBe('starttls');
  await form.getByLabel('From', { exact: true }).fill('windflow@example.org');
  await form.getByLabel(/^To/).fill('ops@example.org');
  await form.getByLabel('User name').fill(login.username);
  await form.getByLabel('Password').fill(login.password);
  await form.getByRole('button', { name: 'Save' }).click();
  const channel = page.locator('[data-channel="ops mail"]');
  await channel.waitFor();

  await channel.getByRole('button', { name: 'Test' }).click();
  await page.getByText("The SMTP server's certificate is not trusted").first().waitFor();
  await page.getByText("set the channel's CA certificate").first().waitFor();
  expect(relay.commands.map((command) => command.verb)).toEqual(['EHLO', 'STARTTLS']);

  await channel.getByRole('button', { name: 'Edit' }).click();
  const certificate = form.getByLabel('CA certificate');
  expect(await certificate.evaluate((element) => element.tagName)).toBe('TEXTAREA');
  await certificate.fill(serverTls.key);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('is a private key').waitFor();

  await certificate.fill(readFileSync(bed.localhostTls.ca, 'utf8'));
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached' });
  await channel.getByRole('button', { name: 'Test' }).click();
  await page.getByText('A test message went to ops mail').waitFor();
  const [mail] = await relay.waitFor(1);
  expect(mail).toMatchObject({ secure: true, user: login.username, to: ['ops@example.org'] });

  // The saved certificate is shown again for editing (it is not a secret).
  await channel.getByRole('button', { name: 'Edit' }).click();
  expect(await form.getByLabel('CA certificate').inputValue()).toContain('-----BEGIN CERTIFICATE-----');
});
