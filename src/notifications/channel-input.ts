// Checks a channel as someone typed it against its kind: known fields only, required ones
// present, URLs that are http(s) and do not point at Windflow itself, certificates that are
// PEM X.509 and valid now, events and severities from the lists, quiet hours as HH:MM in a
// real time zone. Secrets merge with the stored ones (a name left out keeps its value, ''
// clears it).
import { X509Certificate } from 'node:crypto';
import type { CompleteChannelInput } from '../store/notification-channels.ts';
import type { NotificationChannel, NotificationChannelInput } from '../store/records.ts';
import { CHANNEL_KINDS, type ChannelKind } from './channel-kinds.ts';
import { NOTIFICATION_EVENTS, SEVERITIES } from './events.ts';
import { isValidTime } from './quiet-hours.ts';
import { pointsAtWindflow, type SelfAddress } from './self-address.ts';

export class ChannelInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const EMAIL = /^[^\s@,]+@[^\s@,]+$/;

export function requireChannelKind(name: string): ChannelKind {
  const kind = CHANNEL_KINDS.get(name);
  if (!kind)
    throw new ChannelInputError(
      'UNKNOWN_CHANNEL_KIND',
      `There is no channel kind "${name}"; known: ${[...CHANNEL_KINDS.keys()].join(', ')}`,
    );
  return kind;
}

export function completeChannelInput(
  input: Partial<NotificationChannelInput> & { kind: string },
  self: SelfAddress,
  current?: { channel: NotificationChannel; secrets: Record<string, string> },
): CompleteChannelInput {
  const kind = requireChannelKind(input.kind);
  const known = new Map(kind.fields.map((field) => [field.name, field]));
  for (const [name, secret] of [
    ...Object.keys(input.settings ?? {}).map((name) => [name, false] as const),
    ...Object.keys(input.secrets ?? {}).map((name) => [name, true] as const),
  ]) {
    const field = known.get(name);
    if (!field || field.secret !== secret)
      throw new ChannelInputError(
        'INVALID_SETTINGS',
        `${kind.label} has no ${secret ? 'secret ' : ''}setting "${name}"; it takes ${kind.fields.map((each) => each.name).join(', ')}`,
      );
  }
  const settings: Record<string, string> = { ...current?.channel.settings, ...input.settings };
  const secrets: Record<string, string> = { ...current?.secrets, ...input.secrets };
  for (const field of kind.fields) {
    const bag = field.secret ? secrets : settings;
    const value = (bag[field.name] ?? '').trim();
    if (value === '' && field.default !== undefined && !field.secret) bag[field.name] = field.default;
    else if (value === '') delete bag[field.name];
    else bag[field.name] = value;
    const final = bag[field.name];
    if (final === undefined) {
      if (field.required)
        throw new ChannelInputError('INVALID_SETTINGS', `${kind.label} needs ${field.label}`);
      continue;
    }
    checkValue(kind, field.label, field.type, final, field.options);
  }
  for (const destination of kind.destinations({ settings, secrets })) {
    if (pointsAtWindflow(destination, self))
      throw new ChannelInputError(
        'URL_POINTS_AT_WINDFLOW',
        `${safeOrigin(destination)} is Windflow itself; a channel must send somewhere else`,
      );
  }
  const events = input.events ?? current?.channel.events ?? [...NOTIFICATION_EVENTS];
  const unknownEvents = events.filter((event) => !(NOTIFICATION_EVENTS as readonly string[]).includes(event));
  if (unknownEvents.length > 0)
    throw new ChannelInputError(
      'INVALID_EVENTS',
      `Unknown events: ${unknownEvents.join(', ')}; known: ${NOTIFICATION_EVENTS.join(', ')}`,
    );
  const minSeverity = input.minSeverity ?? current?.channel.minSeverity ?? 'info';
  if (!(SEVERITIES as readonly string[]).includes(minSeverity))
    throw new ChannelInputError(
      'INVALID_SEVERITY',
      `The minimum severity is one of ${SEVERITIES.join(', ')}`,
    );
  const quietHours =
    input.quietHours === undefined ? (current?.channel.quietHours ?? null) : input.quietHours;
  if (quietHours) {
    if (!isValidTime(quietHours.start) || !isValidTime(quietHours.end))
      throw new ChannelInputError(
        'INVALID_QUIET_HOURS',
        'Quiet hours start and end as HH:MM, e.g. 22:00 and 07:00',
      );
    try {
      new Intl.DateTimeFormat('en', { timeZone: quietHours.timezone });
    } catch {
      throw new ChannelInputError('INVALID_QUIET_HOURS', `"${quietHours.timezone}" is not a time zone`);
    }
  }
  const name = (input.name ?? current?.channel.name ?? '').trim();
  if (!name) throw new ChannelInputError('INVALID_SETTINGS', 'A channel needs a name');
  return {
    name,
    kind: kind.kind,
    enabled: input.enabled ?? current?.channel.enabled ?? true,
    settings,
    secrets,
    events: [...new Set(events)],
    minSeverity,
    digest: input.digest ?? current?.channel.digest ?? true,
    quietHours,
  };
}

function checkValue(kind: ChannelKind, label: string, type: string, value: string, options?: string[]): void {
  const refuse = (what: string) => {
    throw new ChannelInputError('INVALID_SETTINGS', `${kind.label}: ${label} ${what}`);
  };
  if (type === 'url') {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      refuse('is not a URL');
    }
    if (url && url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must be an http(s) URL');
  } else if (type === 'number') {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) refuse('must be a port number (1-65535)');
  } else if (type === 'select') {
    if (!options?.includes(value)) refuse(`is one of ${options?.join(', ')}`);
  } else if (type === 'list') {
    const addresses = value
      .split(',')
      .map((each) => each.trim())
      .filter(Boolean);
    if (addresses.length === 0 || !addresses.every((address) => EMAIL.test(address)))
      refuse('is a list of e-mail addresses separated by commas');
  } else if (type === 'certificate') {
    checkCertificates(kind, label, value);
  }
  if (label === 'From' && !EMAIL.test(value.replace(/^.*<(.+)>$/, '$1'))) refuse('must be an e-mail address');
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** One or more PEM certificates (a CA, or a chain of them), each parsable and valid today. */
function checkCertificates(kind: ChannelKind, label: string, value: string): void {
  const refuse = (what: string) => {
    throw new ChannelInputError('INVALID_CERTIFICATE', `${kind.label}: ${label} ${what}`);
  };
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value))
    refuse(
      'is a private key; paste the certificate (-----BEGIN CERTIFICATE-----) instead, the key stays on the server',
    );
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0)
    refuse('must be a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)');
  const now = Date.now();
  blocks.forEach((block, index) => {
    const which = blocks.length > 1 ? `(certificate ${index + 1}) ` : '';
    let certificate: X509Certificate | undefined;
    try {
      certificate = new X509Certificate(block);
    } catch {
      refuse(`${which}is not a readable X.509 certificate`);
    }
    if (!certificate) return;
    if (Date.parse(certificate.validTo) < now)
      refuse(`${which}expired on ${new Date(certificate.validTo).toISOString().slice(0, 10)}`);
    if (Date.parse(certificate.validFrom) > now)
      refuse(`${which}is not valid before ${new Date(certificate.validFrom).toISOString().slice(0, 10)}`);
  });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
