// Notifications end to end through the API and the Notifier: every service's payload checked
// against its documented format on a local receiver, e-mail through a real SMTP exchange (plain,
// STARTTLS and implicit TLS with the test bed's CA, refusals that never send credentials), a
// receiver answering 500 retried and logged, digests, event and severity choices, quiet hours,
// sealed secrets, and bad input (unknown kind, bad SMTP credentials, a URL that is Windflow).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Elysia } from 'elysia';
import { type LocalEnvironment, localEnvironment, routesApp } from '../http/routes/docker-test-fixture.ts';
import { notificationRoutes } from '../http/routes/notifications.ts';
import { type HttpReceiver, startHttpReceiver } from '../testing/http-receiver.ts';
import type { ApiSession } from '../testing/session.ts';
import { type SmtpReceiver, type SmtpReceiverOptions, startSmtpReceiver } from '../testing/smtp-receiver.ts';
import { testbed } from '../testing/testbed.ts';
import type { NotificationEvent } from './events.ts';

let env: LocalEnvironment;
let api: ApiSession;
let receiver: HttpReceiver;
let smtp: SmtpReceiver;
const SMTP_LOGIN = { username: 'windflow', password: 'mail secret' };

const event = (overrides: Partial<NotificationEvent> = {}): NotificationEvent => ({
  type: 'updated',
  severity: 'info',
  title: 'web-1 updated',
  message: 'from sha256:aaa to sha256:bbb',
  environment: 'local',
  target: 'web-1',
  ...overrides,
});

async function channel(body: Record<string, unknown>) {
  const answer = await api.call('POST', '/api/notifications/channels', body);
  if (answer.status !== 201) throw new Error(`channel refused: ${answer.text}`);
  return answer.body as { id: number };
}

async function removeChannels() {
  for (const each of (await api.call('GET', '/api/notifications/channels')).body)
    await api.call('DELETE', `/api/notifications/channels/${each.id}`);
}

/**
 * Tests the channel, then sends it an event: both fail at once, the test as 502
 * CHANNEL_TEST_FAILED and the delivery after one attempt (no retry).
 */
async function failsWithoutRetry(channelId: number) {
  const refused = await api.call('POST', `/api/notifications/channels/${channelId}/test`);
  expect([refused.status, refused.body.code]).toEqual([502, 'CHANNEL_TEST_FAILED']);
  env.services.notifier.notify(event());
  await env.services.notifier.idle();
  const log = (await api.call('GET', `/api/notifications/deliveries?channelId=${channelId}`)).body;
  expect(log.map((entry: { status: string; attempts: number }) => [entry.status, entry.attempts])).toEqual([
    ['failed', 1],
    ['failed', 1],
  ]);
  return { message: refused.body.message as string, log };
}

beforeAll(async () => {
  env = await localEnvironment({ notifier: { retryDelaysMs: [50, 100] } });
  env.services.listeningPorts.push(8099);
  api = routesApp((access) =>
    new Elysia().use(
      notificationRoutes({
        access,
        notificationChannels: env.services.notificationChannels,
        notifier: env.services.notifier,
        listeningPorts: env.services.listeningPorts,
      }),
    ),
  ).api;
  receiver = startHttpReceiver();
  smtp = await startSmtpReceiver(SMTP_LOGIN);
});
afterAll(async () => {
  receiver.stop();
  smtp.stop();
  await env.close();
});
beforeEach(async () => {
  await removeChannels();
  receiver.requests.length = 0;
  receiver.answers.length = 0;
});

describe('each service gets its documented payload', () => {
  test('Slack, Discord, Teams, Telegram, ntfy, Gotify, Pushover and Matrix', async () => {
    const base = receiver.url;
    await channel({ name: 'slack', kind: 'slack', secrets: { webhookUrl: `${base}/slack/T000/B000/XXX` } });
    await channel({
      name: 'discord',
      kind: 'discord',
      secrets: { webhookUrl: `${base}/discord/api/webhooks/1/tok` },
    });
    await channel({ name: 'teams', kind: 'teams', secrets: { webhookUrl: `${base}/teams/workflows/1` } });
    await channel({
      name: 'telegram',
      kind: 'telegram',
      settings: { chatId: '-100123', apiUrl: `${base}/telegram` },
      secrets: { botToken: '123:ABC' },
    });
    await channel({
      name: 'ntfy',
      kind: 'ntfy',
      settings: { serverUrl: `${base}/ntfy`, topic: 'windflow-alerts' },
      secrets: { accessToken: 'tk_secret' },
    });
    await channel({
      name: 'gotify',
      kind: 'gotify',
      settings: { serverUrl: `${base}/gotify` },
      secrets: { appToken: 'AppTok.1' },
    });
    await channel({
      name: 'pushover',
      kind: 'pushover',
      settings: { apiUrl: `${base}/pushover` },
      secrets: { appToken: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', userKey: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' },
    });
    await channel({
      name: 'matrix',
      kind: 'matrix',
      settings: { homeserverUrl: `${base}/matrix`, roomId: '!room:example.org' },
      secrets: { accessToken: 'syt_token' },
    });
    env.services.notifier.notify(
      event({ severity: 'error', title: 'web-1 rolled back', type: 'rolled-back' }),
    );
    await env.services.notifier.idle();
    const by = (prefix: string) => {
      const found = receiver.requests.find((request) => request.path.startsWith(prefix));
      if (!found) throw new Error(`nothing reached ${prefix}`);
      return found;
    };

    const slack = by('/slack/');
    expect(slack.method).toBe('POST');
    expect(slack.headers.get('content-type')).toContain('application/json');
    expect(slack.json.text).toContain('web-1 rolled back');
    expect(slack.json.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'web-1 rolled back', emoji: true },
    });
    expect(slack.json.blocks[1].text.type).toBe('mrkdwn');

    const discord = by('/discord/');
    expect(discord.json.username).toBe('Windflow');
    expect(discord.json.embeds).toHaveLength(1);
    expect(discord.json.embeds[0]).toMatchObject({ title: 'web-1 rolled back', color: 0xef4444 });
    expect(discord.json.embeds[0].description).toContain('from sha256:aaa');

    const teams = by('/teams/');
    expect(teams.json.type).toBe('message');
    expect(teams.json.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.json.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(teams.json.attachments[0].content.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'web-1 rolled back',
    });

    const telegram = by('/telegram/');
    expect(telegram.path).toBe('/telegram/bot123:ABC/sendMessage');
    expect(telegram.json).toMatchObject({ chat_id: '-100123', disable_web_page_preview: true });
    expect(telegram.json.text).toStartWith('web-1 rolled back\n\n');

    const ntfy = by('/ntfy');
    expect(ntfy.path).toBe('/ntfy');
    expect(ntfy.headers.get('authorization')).toBe('Bearer tk_secret');
    expect(ntfy.json).toMatchObject({ topic: 'windflow-alerts', title: 'web-1 rolled back', priority: 5 });
    expect(ntfy.json.message).toContain('from sha256:aaa');

    const gotify = by('/gotify/');
    expect(gotify.path).toBe('/gotify/message');
    expect(gotify.headers.get('x-gotify-key')).toBe('AppTok.1');
    expect(gotify.json).toMatchObject({ title: 'web-1 rolled back', priority: 8 });

    const pushover = by('/pushover/');
    expect(pushover.path).toBe('/pushover/1/messages.json');
    expect(pushover.json).toMatchObject({
      token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi',
      user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
      title: 'web-1 rolled back',
      priority: 1,
    });

    const matrix = by('/matrix/');
    expect(matrix.method).toBe('PUT');
    expect(matrix.path).toMatch(
      /^\/matrix\/_matrix\/client\/v3\/rooms\/!room%3Aexample\.org\/send\/m\.room\.message\/[0-9a-f-]{36}$/,
    );
    expect(matrix.headers.get('authorization')).toBe('Bearer syt_token');
    expect(matrix.json).toEqual({ msgtype: 'm.text', body: expect.stringContaining('web-1 rolled back') });

    const log = (await api.call('GET', '/api/notifications/deliveries')).body;
    expect(log).toHaveLength(8);
    expect(
      log.every(
        (entry: { status: string; attempts: number }) => entry.status === 'sent' && entry.attempts === 1,
      ),
    ).toBe(true);
  });

  test('a generic webhook gets the events as JSON, signed with HMAC-SHA256', async () => {
    await channel({
      name: 'hook',
      kind: 'webhook',
      settings: { url: `${receiver.url}/hook` },
      secrets: { signingSecret: 's3cret' },
    });
    env.services.notifier.notify(event({ data: { from: 'sha256:aaa', to: 'sha256:bbb' } }));
    await env.services.notifier.idle();
    const [hook] = receiver.requests;
    expect(hook?.headers.get('x-windflow-event')).toBe('updated');
    const expected = `sha256=${createHmac('sha256', 's3cret')
      .update(hook?.text ?? '')
      .digest('hex')}`;
    expect(hook?.headers.get('x-windflow-signature')).toBe(expected);
    expect(hook?.json).toMatchObject({
      source: 'windflow',
      event: 'updated',
      severity: 'info',
      events: [{ type: 'updated', target: 'web-1', data: { from: 'sha256:aaa', to: 'sha256:bbb' } }],
    });
  });
});

test('e-mail goes through a real SMTP exchange; wrong credentials are a clear error', async () => {
  const settings = {
    host: '127.0.0.1',
    port: String(smtp.port),
    security: 'none',
    from: 'windflow@example.org',
    to: 'ops@example.org, oncall@example.org',
    username: SMTP_LOGIN.username,
  };
  const good = await channel({
    name: 'mail',
    kind: 'email',
    settings,
    secrets: { password: SMTP_LOGIN.password },
  });
  expect((await api.call('POST', `/api/notifications/channels/${good.id}/test`)).body).toEqual({ ok: true });
  env.services.notifier.notify(event({ title: 'web-1 updated to v2' }));
  await env.services.notifier.idle();
  const [testMail, mail] = await smtp.waitFor(2);
  expect(testMail?.data).toContain('Subject: [Windflow] Test message for mail');
  expect(mail).toMatchObject({
    from: 'windflow@example.org',
    to: ['ops@example.org', 'oncall@example.org'],
    user: 'windflow',
  });
  expect(mail?.data).toContain('Subject: [Windflow] web-1 updated to v2');
  expect(mail?.data).toContain('from sha256:aaa to sha256:bbb');

  // Wrong credentials are not retried: they will not get better.
  const bad = await channel({ name: 'bad mail', kind: 'email', settings, secrets: { password: 'wrong' } });
  const { message } = await failsWithoutRetry(bad.id);
  expect(message).toContain('refused the credentials');
  expect(message).toContain('535');
});

describe('e-mail over TLS', () => {
  // The test bed's certificate for 127.0.0.1 and localhost, signed by its own CA: what a company
  // relay with an internal CA looks like. The system's CAs do not include it.
  const bed = testbed();
  const serverTls = {
    cert: readFileSync(bed.localhostTls.cert, 'utf8'),
    key: readFileSync(bed.localhostTls.key, 'utf8'),
  };
  const testCa = readFileSync(bed.localhostTls.ca, 'utf8');
  const otherCa = readFileSync(bed.ldap.ca, 'utf8');
  const receivers: SmtpReceiver[] = [];
  const tlsReceiver = async (options: SmtpReceiverOptions) => {
    const started = await startSmtpReceiver(SMTP_LOGIN, { tls: serverTls, ...options });
    receivers.push(started);
    return started;
  };
  afterAll(() => {
    for (const each of receivers) each.stop();
  });
  const mailChannel = (name: string, on: SmtpReceiver, settings: Record<string, string>) =>
    channel({
      name,
      kind: 'email',
      settings: {
        host: '127.0.0.1',
        port: String(on.port),
        from: 'windflow@example.org',
        to: 'ops@example.org',
        username: SMTP_LOGIN.username,
        ...settings,
      },
      secrets: { password: SMTP_LOGIN.password },
    });
  const testChannel = (id: number) => api.call('POST', `/api/notifications/channels/${id}/test`);
  const verbs = (on: SmtpReceiver) => on.commands.map((command) => command.verb);

  test('STARTTLS on a relay that requires it, with the relay CA as the channel CA certificate', async () => {
    const relay = await tlsReceiver({ security: 'starttls' });
    const mail = await mailChannel('starttls', relay, { security: 'starttls', caCertificate: testCa });
    expect(mail).toMatchObject({ settings: { caCertificate: testCa.trim() } });
    expect((await testChannel(mail.id)).body).toEqual({ ok: true });
    env.services.notifier.notify(event({ title: 'over starttls' }));
    await env.services.notifier.idle();
    const [testMail, sent] = await relay.waitFor(2);
    expect(testMail?.secure).toBe(true);
    expect(sent).toMatchObject({ secure: true, user: 'windflow', to: ['ops@example.org'] });
    expect(sent?.data).toContain('Subject: [Windflow] over starttls');
    // Upgraded before anything else: the only commands in clear are EHLO and STARTTLS.
    expect(relay.commands.filter((command) => !command.secure).map((command) => command.verb)).toEqual([
      'EHLO',
      'STARTTLS',
      'EHLO',
      'STARTTLS',
    ]);
    expect(
      relay.commands.filter((command) => command.verb === 'AUTH').every((command) => command.secure),
    ).toBe(true);
  });

  test('implicit TLS (465), by name and by address', async () => {
    const relay = await tlsReceiver({ security: 'implicit' });
    const byAddress = await mailChannel('tls', relay, {
      security: 'tls',
      caCertificate: testCa,
    });
    expect((await testChannel(byAddress.id)).body).toEqual({ ok: true });
    const byName = await mailChannel('tls by name', relay, {
      host: 'localhost',
      security: 'tls',
      caCertificate: testCa,
    });
    expect((await testChannel(byName.id)).body).toEqual({ ok: true });
    const mails = await relay.waitFor(2);
    expect(mails.map((mail) => [mail.secure, mail.user])).toEqual([
      [true, 'windflow'],
      [true, 'windflow'],
    ]);
    expect(relay.commands.every((command) => command.secure)).toBe(true);
  });

  test('security starttls never falls back to plain text: no AUTH, no mail, not retried', async () => {
    const plainOnly = await startSmtpReceiver(SMTP_LOGIN);
    receivers.push(plainOnly);
    const mail = await mailChannel('no starttls', plainOnly, { security: 'starttls' });
    const { message, log } = await failsWithoutRetry(mail.id);
    expect(message).toStartWith('The SMTP server does not offer STARTTLS');
    expect(message).toContain('502 5.5.1');
    expect(log[0].lastError).toStartWith('The SMTP server does not offer STARTTLS');
    expect(verbs(plainOnly)).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'STARTTLS']);
    expect(plainOnly.messages).toHaveLength(0);

    // security tls against a server that starts in plain text (587 with the wrong choice).
    const wrongChoice = await mailChannel('tls on 587', plainOnly, { security: 'tls' });
    const notTls = await testChannel(wrongChoice.id);
    expect([notTls.status, notTls.body.code]).toEqual([502, 'CHANNEL_TEST_FAILED']);
    expect(notTls.body.message).toStartWith('The SMTP server did not answer in TLS');
    expect(notTls.body.message).toContain('needs security starttls');
    expect(verbs(plainOnly).filter((verb) => verb === 'AUTH')).toEqual([]);
  });

  test('a certificate from an untrusted CA is refused before any credentials; the channel CA makes it trusted', async () => {
    for (const security of ['starttls', 'implicit'] as const) {
      const relay = await tlsReceiver({ security });
      const chosen = security === 'implicit' ? 'tls' : 'starttls';
      const untrusted = await mailChannel(`untrusted ${security}`, relay, { security: chosen });
      const refused = await testChannel(untrusted.id);
      expect([refused.status, refused.body.code, security]).toEqual([502, 'CHANNEL_TEST_FAILED', security]);
      expect(refused.body.message).toStartWith("The SMTP server's certificate is not trusted (");
      expect(refused.body.message).toContain("set the channel's CA certificate");

      const wrongCa = await mailChannel(`wrong ca ${security}`, relay, {
        security: chosen,
        caCertificate: otherCa,
      });
      const stillRefused = await testChannel(wrongCa.id);
      expect(stillRefused.body.message).toStartWith(
        "The SMTP server's certificate is not trusted: it is not signed by the channel's CA certificate",
      );
      expect(verbs(relay).filter((verb) => verb !== 'EHLO' && verb !== 'STARTTLS')).toEqual([]);
      expect(relay.messages).toHaveLength(0);

      const fixed = await api.call('PATCH', `/api/notifications/channels/${untrusted.id}`, {
        settings: { caCertificate: testCa },
      });
      expect(fixed.status).toBe(200);
      expect((await testChannel(untrusted.id)).body).toEqual({ ok: true });
      expect((await relay.waitFor(1))[0]).toMatchObject({ secure: true, user: 'windflow' });
    }
  });

  test('a certificate for another name is refused, naming the host', async () => {
    // Loopback answers on all of 127/8; the certificate is for 127.0.0.1 and localhost only.
    const relay = await tlsReceiver({ security: 'starttls', hostname: '127.0.0.2' });
    const mail = await mailChannel('wrong name', relay, {
      host: '127.0.0.2',
      security: 'starttls',
      caCertificate: testCa,
    });
    const refused = await testChannel(mail.id);
    expect([refused.status, refused.body.code]).toEqual([502, 'CHANNEL_TEST_FAILED']);
    expect(refused.body.message).toStartWith("The SMTP server's certificate is not for 127.0.0.2");
    expect(verbs(relay)).toEqual(['EHLO', 'STARTTLS']);
  });

  test('the CA certificate setting takes PEM certificates only', async () => {
    const base = { host: 'mail.example.org', from: 'a@example.org', to: 'b@example.org' };
    // A self-signed CA valid only in 2020, made once with `openssl ca -selfsign -startdate
    // 20200101000000Z -enddate 20210101000000Z` (OpenSSL 3.0's req and x509 refuse past dates).
    const expiredCa = [
      '-----BEGIN CERTIFICATE-----',
      'MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhXaW5kZmxv',
      'dyBleHBpcmVkIHRlc3QgQ0EwHhcNMjAwMTAxMDAwMDAwWhcNMjEwMTAxMDAwMDAw',
      'WjAjMSEwHwYDVQQDDBhXaW5kZmxvdyBleHBpcmVkIHRlc3QgQ0EwWTATBgcqhkjO',
      'PQIBBggqhkjOPQMBBwNCAASgKP28nasMHokxblCq4FHbqd8HSjbLZ76k/ABl9d6A',
      'iM87yXQtAGLyOk5ksQOQdYgMIuLIfGFBLV5ewOnKvlNDozIwMDAPBgNVHRMBAf8E',
      'BTADAQH/MB0GA1UdDgQWBBQHJwHW5v8EUI5JqDqRAEaS/JD+gTAKBggqhkjOPQQD',
      'AgNIADBFAiEAz6is7MehcIBt0m1fDOxOpM00mE7B8UgQxrZH6b0YwUoCIBvpdFwH',
      '1QGWbjHxh1BRhLUJLzc68dWV39xABxgFsqh8',
      '-----END CERTIFICATE-----',
    ].join('\n');
    const garbled = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----';
    const cases: [string, string][] = [
      ['hello', 'must be a PEM certificate'],
      [serverTls.key, 'is a private key'],
      [garbled, 'is not a readable X.509 certificate'],
      [`${testCa}\n${garbled}`, '(certificate 2) is not a readable X.509 certificate'],
      [expiredCa, 'expired on 2021-01-01'],
    ];
    for (const [caCertificate, message] of cases) {
      const answer = await api.call('POST', '/api/notifications/channels', {
        name: 'ca',
        kind: 'email',
        settings: { ...base, caCertificate },
      });
      expect([answer.status, answer.body.code]).toEqual([400, 'INVALID_CERTIFICATE']);
      expect(answer.body.message).toContain(message);
    }
    // A chain of several (here two CAs, longer than other settings may be) is kept as given.
    const bundle = `${testCa.trim()}\n${otherCa.trim()}`;
    const saved = await channel({ name: 'ca', kind: 'email', settings: { ...base, caCertificate: bundle } });
    const [listed] = (await api.call('GET', '/api/notifications/channels')).body;
    expect(listed).toMatchObject({ id: saved.id, settings: { caCertificate: bundle } });
    const cleared = await api.call('PATCH', `/api/notifications/channels/${saved.id}`, {
      settings: { caCertificate: '' },
    });
    expect(cleared.body.settings.caCertificate).toBeUndefined();
  });
});

describe('delivery', () => {
  test('a receiver answering 500 is retried with backoff and every attempt is logged', async () => {
    const hook = await channel({
      name: 'flaky',
      kind: 'webhook',
      settings: { url: `${receiver.url}/flaky` },
    });
    receiver.answers.push({ status: 500 }, { status: 503 });
    env.services.notifier.notify(event());
    await env.services.notifier.idle();
    expect(receiver.requests).toHaveLength(3);
    const [entry] = (await api.call('GET', `/api/notifications/deliveries?channelId=${hook.id}`)).body;
    expect(entry).toMatchObject({ status: 'sent', attempts: 3, lastError: null });

    receiver.requests.length = 0;
    receiver.answers.push({ status: 500 }, { status: 500 }, { status: 500 });
    env.services.notifier.notify(event({ title: 'second' }));
    await env.services.notifier.idle();
    expect(receiver.requests).toHaveLength(3);
    const [failed] = (await api.call('GET', `/api/notifications/deliveries?channelId=${hook.id}`)).body;
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, title: 'second' });
    expect(failed.lastError).toContain('answered 500: receiver says no');

    receiver.requests.length = 0;
    receiver.answers.push({ status: 404 });
    env.services.notifier.notify(event({ title: 'gone' }));
    await env.services.notifier.idle();
    expect(receiver.requests).toHaveLength(1); // a 404 is not retried
  });

  test('a slow or failing channel never blocks the caller', async () => {
    await channel({ name: 'slow', kind: 'webhook', settings: { url: `${receiver.url}/slow` } });
    receiver.answers.push({ status: 200, delayMs: 1500 });
    const began = performance.now();
    env.services.notifier.notify(event());
    const digest = env.services.notifier.digest('run');
    digest.notify(event());
    digest.close();
    expect(performance.now() - began).toBeLessThan(50);
    await env.services.notifier.idle();
  });

  test('a digest sends one message per channel for many updates; without digests, one each', async () => {
    await channel({ name: 'digest', kind: 'webhook', settings: { url: `${receiver.url}/digest` } });
    await channel({
      name: 'each',
      kind: 'webhook',
      settings: { url: `${receiver.url}/each` },
      digest: false,
    });
    const digest = env.services.notifier.digest('Update check on local');
    for (const name of ['web-1', 'web-2', 'db', 'cache', 'queue'])
      digest.notify(event({ title: `${name} updated`, target: name }));
    digest.close();
    await env.services.notifier.idle();
    const digests = receiver.requests.filter((request) => request.path === '/digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]?.json).toMatchObject({ event: 'digest', title: 'Update check on local: 5 events' });
    expect(digests[0]?.json.events).toHaveLength(5);
    for (const name of ['web-1', 'web-2', 'db', 'cache', 'queue'])
      expect(digests[0]?.json.text).toContain(`${name} updated`);
    expect(receiver.requests.filter((request) => request.path === '/each')).toHaveLength(5);
  });

  test('a channel takes only its events at or above its minimum severity', async () => {
    await channel({
      name: 'picky',
      kind: 'webhook',
      settings: { url: `${receiver.url}/picky` },
      events: ['rolled-back', 'scan-findings'],
      minSeverity: 'warning',
    });
    env.services.notifier.notify(event({ type: 'updated', severity: 'critical' }));
    env.services.notifier.notify(event({ type: 'rolled-back', severity: 'info' }));
    env.services.notifier.notify(event({ type: 'rolled-back', severity: 'error', title: 'taken' }));
    await env.services.notifier.idle();
    expect(receiver.requests.map((request) => request.json.title)).toEqual(['taken']);
  });

  test('quiet hours hold messages (critical ones excepted) and send them as one when they end', async () => {
    const now = new Date();
    const hhmm = (date: Date) =>
      `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
    const quiet = await channel({
      name: 'quiet',
      kind: 'webhook',
      settings: { url: `${receiver.url}/quiet` },
      quietHours: {
        start: hhmm(new Date(now.getTime() - 3_600_000)),
        end: hhmm(new Date(now.getTime() + 7_200_000)),
        timezone: 'UTC',
      },
    });
    env.services.notifier.notify(event({ title: 'first' }));
    env.services.notifier.notify(event({ title: 'second' }));
    env.services.notifier.notify(event({ title: 'on fire', severity: 'critical' }));
    await env.services.notifier.idle();
    expect(receiver.requests.map((request) => request.json.title)).toEqual(['on fire']);
    const held = (await api.call('GET', `/api/notifications/deliveries?channelId=${quiet.id}`)).body.filter(
      (entry: { status: string }) => entry.status === 'held',
    );
    expect(held).toHaveLength(2);
    expect(Date.parse(held[0].notBefore)).toBeGreaterThan(Date.now() + 3_000_000);

    // The window ends (here: its end is moved to the past), and a restart picks them up too.
    await env.db.run("UPDATE notification_deliveries SET not_before = ? WHERE status = 'held'", [
      new Date(Date.now() - 1000).toISOString(),
    ]);
    await env.services.notifier.start();
    await receiver.waitFor(2);
    await env.services.notifier.idle();
    expect(receiver.requests[1]?.json.title).toBe('2 messages held during quiet hours');
    expect(receiver.requests[1]?.json.text).toContain('first');
    expect(receiver.requests[1]?.json.text).toContain('second');
    const after = (await api.call('GET', `/api/notifications/deliveries?channelId=${quiet.id}`)).body;
    expect(after.every((entry: { status: string }) => entry.status === 'sent')).toBe(true);
  });
});

describe('channels', () => {
  test('secrets are sealed at rest and never returned; an update keeps what it leaves out', async () => {
    const created = await api.call('POST', '/api/notifications/channels', {
      name: 'tg',
      kind: 'telegram',
      settings: { chatId: '42', apiUrl: `${receiver.url}/tg` },
      secrets: { botToken: '999:VERYSECRET' },
    });
    expect(created.body.secretsSet).toEqual(['botToken']);
    expect(created.text).not.toContain('VERYSECRET');
    const listed = await api.call('GET', '/api/notifications/channels');
    expect(listed.text).not.toContain('VERYSECRET');
    const [row] = await env.db.all<{ secrets: string }>('SELECT secrets FROM notification_channels');
    expect(row?.secrets).not.toContain('VERYSECRET');
    const renamed = await api.call('PATCH', `/api/notifications/channels/${created.body.id}`, {
      name: 'telegram ops',
    });
    expect(renamed.body).toMatchObject({ name: 'telegram ops', secretsSet: ['botToken'] });
    expect((await api.call('POST', `/api/notifications/channels/${created.body.id}/test`)).status).toBe(200);
    expect(receiver.requests[0]?.path).toBe('/tg/bot999:VERYSECRET/sendMessage');
  });

  test('bad input: unknown kind, missing or unknown settings, bad URL, events, quiet hours, a taken name', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'x', kind: 'carrier-pigeon' }, 400, 'UNKNOWN_CHANNEL_KIND'],
      [{ name: 'x', kind: 'slack' }, 400, 'INVALID_SETTINGS'],
      [{ name: 'x', kind: 'slack', secrets: { webhookUrl: 'ftp://example.org/x' } }, 400, 'INVALID_SETTINGS'],
      [
        { name: 'x', kind: 'webhook', settings: { url: 'https://example.org', colour: 'red' } },
        400,
        'INVALID_SETTINGS',
      ],
      [
        { name: 'x', kind: 'webhook', settings: { url: 'https://example.org' }, events: ['coffee'] },
        400,
        'INVALID_EVENTS',
      ],
      [
        { name: 'x', kind: 'webhook', settings: { url: 'https://example.org' }, minSeverity: 'meh' },
        400,
        'INVALID_SEVERITY',
      ],
      [
        {
          name: 'x',
          kind: 'webhook',
          settings: { url: 'https://example.org' },
          quietHours: { start: '25:00', end: '07:00', timezone: 'UTC' },
        },
        400,
        'INVALID_QUIET_HOURS',
      ],
      [
        { name: 'x', kind: 'email', settings: { host: 'mail', port: '99999', from: 'a@b.c', to: 'x@y.z' } },
        400,
        'INVALID_SETTINGS',
      ],
      [
        { name: 'x', kind: 'email', settings: { host: 'mail', from: 'a@b.c', to: 'not an address' } },
        400,
        'INVALID_SETTINGS',
      ],
    ];
    for (const [body, status, code] of cases) {
      const answer = await api.call('POST', '/api/notifications/channels', body);
      expect([answer.status, answer.body.code, body.kind]).toEqual([status, code, body.kind]);
    }
    await channel({ name: 'taken', kind: 'webhook', settings: { url: 'https://example.org' } });
    const taken = await api.call('POST', '/api/notifications/channels', {
      name: 'taken',
      kind: 'webhook',
      settings: { url: 'https://example.org' },
    });
    expect([taken.status, taken.body.code]).toEqual([409, 'CHANNEL_NAME_TAKEN']);
  });

  test('a URL that points at Windflow itself is refused', async () => {
    // ApiSession sends Host: windflow.test; the test registered port 8099 as Windflow's own.
    for (const url of [
      'http://windflow.test/api/auth/logout',
      'http://127.0.0.1:8099/api/x',
      'http://localhost:8099/',
    ]) {
      const answer = await api.call('POST', '/api/notifications/channels', {
        name: 'loop',
        kind: 'webhook',
        settings: { url },
      });
      expect([answer.status, answer.body.code, url]).toEqual([400, 'URL_POINTS_AT_WINDFLOW', url]);
    }
    const viaSlack = await api.call('POST', '/api/notifications/channels', {
      name: 'loop',
      kind: 'slack',
      secrets: { webhookUrl: 'http://windflow.test/hooks' },
    });
    expect(viaSlack.body.code).toBe('URL_POINTS_AT_WINDFLOW');
    const fine = await channel({
      name: 'elsewhere',
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:8100/x' },
    });
    const moved = await api.call('PATCH', `/api/notifications/channels/${fine.id}`, {
      settings: { url: 'http://127.0.0.1:8099/x' },
    });
    expect(moved.body.code).toBe('URL_POINTS_AT_WINDFLOW');
  });
});
