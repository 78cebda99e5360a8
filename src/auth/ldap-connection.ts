// Opening a connection to the directory with the configured TLS mode and time limits.
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';

export interface LdapConnectionSettings {
  url: string;
  startTls: boolean;
  tls: { ca?: string; rejectUnauthorized: boolean };
  timeoutMs: number;
}

/**
 * A client for the directory. An ldap:// connection with StartTLS is opened and upgraded here;
 * otherwise the client connects on its first operation, within the same time limit.
 */
export async function openLdapConnection(settings: LdapConnectionSettings): Promise<Client> {
  const url = new URL(settings.url);
  const tlsOptions = tlsOptionsFor(settings, url.hostname.replace(/^\[(.*)\]$/, '$1'));
  const client = new Client({
    url: settings.url,
    connectTimeout: settings.timeoutMs,
    timeout: settings.timeoutMs,
    // ldapts opens a TLS socket whenever it is given TLS options, so ldap:// must get none.
    tlsOptions: url.protocol === 'ldaps:' ? tlsOptions : undefined,
  });
  if (!settings.startTls) return client;
  if (url.protocol !== 'ldap:') throw new Error('StartTLS applies to ldap:// URLs only');
  try {
    // The exop has the operation time limit, but the TLS handshake after it has none of its own.
    await withTimeout(client.startTLS(tlsOptions), settings.timeoutMs, 'StartTLS');
  } catch (error) {
    await closeLdapConnection(client);
    throw error;
  }
  return client;
}

/** Unbinds and closes; never throws, so it is safe in a finally block. */
export async function closeLdapConnection(client: Client): Promise<void> {
  try {
    await client.unbind();
  } catch {
    // The connection is gone either way.
  }
}

function tlsOptionsFor(settings: LdapConnectionSettings, host: string): ConnectionOptions {
  return {
    ca: settings.tls.ca ? [settings.tls.ca] : undefined,
    rejectUnauthorized: settings.tls.rejectUnauthorized,
    minVersion: 'TLSv1.2',
    // The certificate is checked against this name; SNI takes host names only, not addresses.
    host,
    servername: isIP(host) ? undefined : host,
  };
}

async function withTimeout<T>(operation: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
