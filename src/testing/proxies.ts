// A reverse proxy of a test's own: the shipped configuration (scripts/proxies/) rendered by
// scripts/testbed/proxies.sh exactly as for the test bed's proxies, but on a free port and in
// front of the test's own Windflow, so that a test can stop and start it again without
// disturbing the shared proxies other tests use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { freePort } from './agents.ts';
import { testbed } from './testbed.ts';

const RENDER = join(import.meta.dir, '..', '..', 'scripts', 'testbed', 'proxies.sh');
const SITES = {
  nginx: { '/': 'windflow.conf', '/windflow/': 'windflow-subpath.conf' },
  caddy: { '/': 'Caddyfile', '/windflow/': 'Caddyfile-subpath' },
} as const;

export type ProxyKind = keyof typeof SITES;
export type ProxyPrefix = '/' | '/windflow/';

export interface OwnProxy {
  kind: ProxyKind;
  /** https://127.0.0.1:PORT/ or https://127.0.0.1:PORT/windflow/ */
  url: string;
  start(): Promise<void>;
  /** Ends the proxy (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function ownProxy(
  kind: ProxyKind,
  prefix: ProxyPrefix,
  upstreamPort: number,
): Promise<OwnProxy> {
  const tls = testbed().localhostTls;
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), `windflow-${kind}-`));
  const rendered = Bun.spawnSync(
    [
      'bash',
      RENDER,
      'render',
      tls.cert,
      tls.key,
      kind,
      SITES[kind][prefix],
      String(port),
      String(upstreamPort),
      dir,
    ],
    { stderr: 'pipe' },
  );
  if (rendered.exitCode !== 0) throw new Error(`rendering ${kind} failed: ${rendered.stderr.toString()}`);
  const command =
    kind === 'nginx'
      ? ['nginx', '-c', join(dir, 'nginx.conf')]
      : ['caddy', 'run', '--adapter', 'caddyfile', '--config', join(dir, 'Caddyfile')];
  let child: Subprocess | undefined;
  const url = `https://127.0.0.1:${port}${prefix}`;

  const proxy: OwnProxy = {
    kind,
    url,
    async start() {
      child = Bun.spawn(command, {
        env: { PATH: process.env.PATH ?? '', HOME: dir },
        stdout: 'ignore',
        stderr: 'ignore',
      });
      for (let waited = 0; waited < 10_000; waited += 100) {
        const answer = await fetch(`https://127.0.0.1:${port}/`, {
          tls: { rejectUnauthorized: false },
        }).catch(() => undefined);
        if (answer) {
          await answer.body?.cancel();
          return;
        }
        await Bun.sleep(100);
      }
      throw new Error(`${kind} did not answer on ${url}`);
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await child.exited;
      child = undefined;
    },
    async close() {
      await proxy.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await proxy.start();
  return proxy;
}
