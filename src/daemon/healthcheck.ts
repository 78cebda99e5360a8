// `windflow healthcheck`: asks the running server's /api/health on this machine, with the same
// settings as `serve`, and exits 0 only on a healthy answer. For the container image's
// HEALTHCHECK, whose base has no curl.
import type { Config } from './config.ts';

const TIMEOUT_MS = 5000;

/** The address to call: a wildcard listen address is reached on loopback. */
export function healthUrl(config: Pick<Config, 'host' | 'port' | 'tls'>): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  return `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.port}/api/health`;
}

export async function healthcheck(config: Config, write: (line: string) => void): Promise<number> {
  const url = healthUrl(config);
  try {
    // The certificate names the public host, not loopback: only the answer matters here.
    const response = await fetch(url, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      tls: { rejectUnauthorized: false },
    });
    const body = (await response.json().catch(() => undefined)) as
      | { status?: string; version?: string }
      | undefined;
    if (response.ok && body?.status === 'ok') {
      write(`healthy: ${url} (version ${body.version})`);
      return 0;
    }
    write(`unhealthy: ${url} answered ${response.status}`);
  } catch (error) {
    write(`unhealthy: ${url}: ${(error as Error).message}`);
  }
  return 1;
}
