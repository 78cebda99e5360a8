// Every kind of notification channel: the settings it takes (secret or not) and how it sends
// a message, each in its service's documented format:
//   Slack incoming webhooks {text, blocks}; Discord webhooks {username, embeds}; Teams
//   workflow webhooks (a message with an Adaptive Card attachment); Telegram Bot API
//   sendMessage; ntfy's JSON publishing; Gotify POST /message; Pushover messages.json; Matrix
//   client-server m.room.message; a generic JSON webhook signed with HMAC-SHA256; e-mail over
//   SMTP with nodemailer.
import { createHmac, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { type NotificationEvent, type Severity, severityRank } from './events.ts';

export interface OutgoingMessage {
  /** The event type, "digest" for several events in one message, or "test". */
  event: string;
  severity: Severity;
  title: string;
  /** Plain text, several lines. */
  text: string;
  events: NotificationEvent[];
}

export interface ChannelField {
  name: string;
  label: string;
  required: boolean;
  /** Sealed at rest and never returned. */
  secret: boolean;
  /** certificate: one or more PEM certificates, several lines. */
  type: 'text' | 'url' | 'number' | 'select' | 'list' | 'certificate';
  options?: string[];
  default?: string;
  help?: string;
}

export interface ChannelConfig {
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface ChannelKind {
  kind: string;
  label: string;
  fields: ChannelField[];
  /** The URLs it sends to, checked so that none points at Windflow itself. */
  destinations(config: ChannelConfig): string[];
  send(message: OutgoingMessage, config: ChannelConfig): Promise<void>;
}

/** A failed delivery; `retryable` says whether trying again later may help. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Seconds the receiver asked us to wait (Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;

const field = (
  name: string,
  label: string,
  type: ChannelField['type'],
  extra: Partial<ChannelField> = {},
): ChannelField => ({ name, label, type, required: true, secret: false, ...extra });
const secret = (name: string, label: string, extra: Partial<ChannelField> = {}) =>
  field(name, label, 'text', { secret: true, ...extra });

const SEVERITY_COLORS: Record<Severity, number> = {
  info: 0x3b82f6,
  warning: 0xf59e0b,
  error: 0xef4444,
  critical: 0x991b1b,
};

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Sends JSON (or a text body) and reads the answer to its end; a failure says what came back. */
async function send(
  url: string,
  body: unknown,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<void> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Windflow', ...options.headers },
      body: text,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new DeliveryError(`${safeHost(url)} did not answer: ${(error as Error).message}`, true);
  }
  const answer = await response.text().catch(() => '');
  if (response.ok) return;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new DeliveryError(
    `${safeHost(url)} answered ${response.status}${answer ? `: ${clip(answer.trim(), 300)}` : ''}`,
    response.status >= 500 || response.status === 429 || response.status === 408,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the receiver';
  }
}

const webhook: ChannelKind = {
  kind: 'webhook',
  label: 'Webhook (JSON)',
  fields: [
    field('url', 'URL', 'url'),
    secret('signingSecret', 'Signing secret', {
      required: false,
      help: 'When set, X-Windflow-Signature carries sha256=HMAC-SHA256(secret, body) in hex',
    }),
  ],
  destinations: ({ settings }) => [settings.url ?? ''],
  async send(message, { settings, secrets }) {
    const body = JSON.stringify({
      source: 'windflow',
      event: message.event,
      severity: message.severity,
      title: message.title,
      text: message.text,
      events: message.events,
      sentAt: new Date().toISOString(),
    });
    const headers: Record<string, string> = { 'x-windflow-event': message.event };
    if (secrets.signingSecret)
      headers['x-windflow-signature'] =
        `sha256=${createHmac('sha256', secrets.signingSecret).update(body).digest('hex')}`;
    await send(settings.url ?? '', body, { headers });
  },
};

const slack: ChannelKind = {
  kind: 'slack',
  label: 'Slack',
  fields: [secret('webhookUrl', 'Incoming webhook URL', { type: 'url' })],
  destinations: ({ secrets }) => [secrets.webhookUrl ?? ''],
  async send(message, { secrets }) {
    await send(secrets.webhookUrl ?? '', {
      text: `${message.title}\n${message.text}`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: clip(message.title, 150), emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: clip(message.text || message.title, 3000) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Windflow · ${message.severity}` }] },
      ],
    });
  },
};

const discord: ChannelKind = {
  kind: 'discord',
  label: 'Discord',
  fields: [secret('webhookUrl', 'Webhook URL', { type: 'url' })],
  destinations: ({ secrets }) => [secrets.webhookUrl ?? ''],
  async send(message, { secrets }) {
    await send(secrets.webhookUrl ?? '', {
      username: 'Windflow',
      embeds: [
        {
          title: clip(message.title, 256),
          description: clip(message.text, 4096),
          color: SEVERITY_COLORS[message.severity],
          timestamp: new Date().toISOString(),
          footer: { text: `Windflow · ${message.severity}` },
        },
      ],
    });
  },
};

const teams: ChannelKind = {
  kind: 'teams',
  label: 'Microsoft Teams',
  fields: [secret('webhookUrl', 'Workflow webhook URL', { type: 'url' })],
  destinations: ({ secrets }) => [secrets.webhookUrl ?? ''],
  async send(message, { secrets }) {
    await send(secrets.webhookUrl ?? '', {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true },
              { type: 'TextBlock', text: message.text, wrap: true },
              { type: 'TextBlock', text: `Windflow · ${message.severity}`, isSubtle: true, size: 'Small' },
            ],
          },
        },
      ],
    });
  },
};

const telegram: ChannelKind = {
  kind: 'telegram',
  label: 'Telegram',
  fields: [
    secret('botToken', 'Bot token'),
    field('chatId', 'Chat id', 'text'),
    field('apiUrl', 'Bot API URL', 'url', { required: false, default: 'https://api.telegram.org' }),
  ],
  destinations: ({ settings }) => [settings.apiUrl || 'https://api.telegram.org'],
  async send(message, { settings, secrets }) {
    const base = trimSlash(settings.apiUrl || 'https://api.telegram.org');
    await send(`${base}/bot${secrets.botToken}/sendMessage`, {
      chat_id: settings.chatId,
      text: clip(`${message.title}\n\n${message.text}`, 4096),
      disable_web_page_preview: true,
    });
  },
};

const NTFY_PRIORITIES: Record<Severity, number> = { info: 3, warning: 4, error: 5, critical: 5 };

const ntfy: ChannelKind = {
  kind: 'ntfy',
  label: 'ntfy',
  fields: [
    field('serverUrl', 'Server URL', 'url', { required: false, default: 'https://ntfy.sh' }),
    field('topic', 'Topic', 'text'),
    secret('accessToken', 'Access token', { required: false }),
  ],
  destinations: ({ settings }) => [settings.serverUrl || 'https://ntfy.sh'],
  async send(message, { settings, secrets }) {
    await send(
      trimSlash(settings.serverUrl || 'https://ntfy.sh'),
      {
        topic: settings.topic,
        title: clip(message.title, 250),
        message: message.text,
        priority: NTFY_PRIORITIES[message.severity],
        tags: ['windflow', message.severity === 'info' ? 'information_source' : 'warning'],
      },
      { headers: secrets.accessToken ? { authorization: `Bearer ${secrets.accessToken}` } : {} },
    );
  },
};

const GOTIFY_PRIORITIES: Record<Severity, number> = { info: 4, warning: 6, error: 8, critical: 10 };

const gotify: ChannelKind = {
  kind: 'gotify',
  label: 'Gotify',
  fields: [field('serverUrl', 'Server URL', 'url'), secret('appToken', 'Application token')],
  destinations: ({ settings }) => [settings.serverUrl ?? ''],
  async send(message, { settings, secrets }) {
    await send(
      `${trimSlash(settings.serverUrl ?? '')}/message`,
      {
        title: message.title,
        message: message.text,
        priority: GOTIFY_PRIORITIES[message.severity],
        extras: { 'client::display': { contentType: 'text/plain' } },
      },
      { headers: { 'x-gotify-key': secrets.appToken ?? '' } },
    );
  },
};

const pushover: ChannelKind = {
  kind: 'pushover',
  label: 'Pushover',
  fields: [
    secret('appToken', 'Application API token'),
    secret('userKey', 'User or group key'),
    field('device', 'Device', 'text', { required: false, help: 'empty: every device' }),
    field('apiUrl', 'API URL', 'url', { required: false, default: 'https://api.pushover.net' }),
  ],
  destinations: ({ settings }) => [settings.apiUrl || 'https://api.pushover.net'],
  async send(message, { settings, secrets }) {
    await send(`${trimSlash(settings.apiUrl || 'https://api.pushover.net')}/1/messages.json`, {
      token: secrets.appToken,
      user: secrets.userKey,
      title: clip(message.title, 250),
      message: clip(message.text || message.title, 1024),
      // -1 quiet, 0 normal, 1 high; 2 (emergency) needs acknowledgements we do not follow.
      priority: severityRank(message.severity) >= severityRank('error') ? 1 : 0,
      ...(settings.device ? { device: settings.device } : {}),
    });
  },
};

const matrix: ChannelKind = {
  kind: 'matrix',
  label: 'Matrix',
  fields: [
    field('homeserverUrl', 'Homeserver URL', 'url'),
    field('roomId', 'Room id', 'text', { help: '!abc123:example.org' }),
    secret('accessToken', 'Access token'),
  ],
  destinations: ({ settings }) => [settings.homeserverUrl ?? ''],
  async send(message, { settings, secrets }) {
    const room = encodeURIComponent(settings.roomId ?? '');
    const url = `${trimSlash(settings.homeserverUrl ?? '')}/_matrix/client/v3/rooms/${room}/send/m.room.message/${randomUUID()}`;
    await send(
      url,
      { msgtype: 'm.text', body: `${message.title}\n\n${message.text}` },
      { method: 'PUT', headers: { authorization: `Bearer ${secrets.accessToken}` } },
    );
  },
};

const email: ChannelKind = {
  kind: 'email',
  label: 'E-mail (SMTP)',
  fields: [
    field('host', 'SMTP server', 'text'),
    field('port', 'Port', 'number', { default: '587' }),
    field('security', 'Security', 'select', {
      options: ['starttls', 'tls', 'none'],
      default: 'starttls',
      help: 'starttls: upgrade on 587; tls: TLS from the start on 465',
    }),
    field('from', 'From', 'text'),
    field('to', 'To', 'list', { help: 'addresses separated by commas' }),
    field('username', 'User name', 'text', { required: false }),
    secret('password', 'Password', { required: false }),
    field('caCertificate', 'CA certificate', 'certificate', {
      required: false,
      help: "PEM of the CA that signed the server's certificate, for a relay with an internal CA; trusted instead of the system's CAs",
    }),
  ],
  destinations: () => [],
  async send(message, { settings, secrets }) {
    const security = settings.security || 'starttls';
    const port = Number(settings.port || 587);
    // requireTLS makes nodemailer refuse (ETLS) a server that will not upgrade instead of
    // going on in plain text; it authenticates only after the upgrade.
    const transport = nodemailer.createTransport({
      host: settings.host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      tls: settings.caCertificate ? { ca: settings.caCertificate } : undefined,
      auth: settings.username ? { user: settings.username, pass: secrets.password ?? '' } : undefined,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
    });
    try {
      await transport.sendMail({
        from: settings.from,
        to: settings.to,
        subject: `[Windflow] ${message.title}`,
        text: `${message.text}\n\n-- \nWindflow · ${message.severity}`,
      });
    } catch (error) {
      throw describeSmtpError(error as SmtpError, {
        host: settings.host ?? '',
        port,
        customCa: Boolean(settings.caCertificate),
      });
    } finally {
      transport.close();
    }
  },
};

/** What nodemailer throws: its own code, and the socket's or TLS's code as originalCode. */
type SmtpError = Error & {
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
  response?: string;
};

/** OpenSSL's verdicts on a chain that does not lead to a trusted CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * Says what went wrong in the words of the setting that fixes it. Each message starts with a
 * fixed phrase (the part tests and people can rely on) and ends with what the server or TLS said.
 */
function describeSmtpError(
  error: SmtpError,
  channel: { host: string; port: number; customCa: boolean },
): DeliveryError {
  const reply = error.response ? `: ${error.response}` : `: ${error.message}`;
  const cause = error.originalCode ?? error.code ?? '';
  if (UNTRUSTED_CERTIFICATE.has(cause))
    return new DeliveryError(
      channel.customCa
        ? `The SMTP server's certificate is not trusted: it is not signed by the channel's CA certificate (${error.message})`
        : `The SMTP server's certificate is not trusted (${error.message}); for a relay with an internal CA, set the channel's CA certificate`,
      false,
    );
  if (cause === 'CERT_HAS_EXPIRED' || cause === 'CERT_NOT_YET_VALID')
    return new DeliveryError(`The SMTP server's certificate is not valid now (${error.message})`, false);
  if (cause === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new DeliveryError(
      `The SMTP server's certificate is not for ${channel.host} (${error.message}); use the name the certificate is for`,
      false,
    );
  if (error.code === 'ETLS' && error.command === 'STARTTLS')
    return new DeliveryError(
      `The SMTP server does not offer STARTTLS${reply}; nothing was sent (for TLS from the start, as on port 465, choose security tls)`,
      false,
    );
  if (cause === 'ERR_SSL_WRONG_VERSION_NUMBER' || cause === 'ERR_SSL_PACKET_LENGTH_TOO_LONG')
    return new DeliveryError(
      `The SMTP server did not answer in TLS${reply}; a server on port ${channel.port} that starts in plain text needs security starttls`,
      false,
    );
  if (error.code === 'EAUTH')
    return new DeliveryError(`The SMTP server refused the credentials${reply}`, false);
  if (error.code === 'ENOAUTH')
    return new DeliveryError('The SMTP server asks for a user name and password', false);
  if (typeof error.responseCode === 'number')
    return new DeliveryError(`The SMTP server refused the message${reply}`, error.responseCode < 500);
  return new DeliveryError(`The SMTP server could not be reached${reply}`, true);
}

export const CHANNEL_KINDS: ReadonlyMap<string, ChannelKind> = new Map(
  [email, webhook, slack, discord, teams, telegram, ntfy, gotify, pushover, matrix].map((kind) => [
    kind.kind,
    kind,
  ]),
);
