// Agents for tests: the real Hawser binary from the test bed, in edge or standard mode, on
// loopback only, with a state directory of its own and its log kept for failure messages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testbed } from './testbed.ts';

export interface RunningAgent {
  pid: number;
  /** Everything the agent printed so far. */
  output(): string;
  /** Resolves once the output contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash or a pulled cable would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

export function startHawserEdge(options: {
  serverUrl: string;
  token: string;
  name: string;
  env?: Record<string, string>;
}) {
  return startProcess([testbed().hawser], {
    DOCKHAND_SERVER_URL: options.serverUrl,
    TOKEN: options.token,
    AGENT_ID: options.name,
    AGENT_NAME: options.name,
    PORT: String(freePort()),
    BIND_ADDRESS: '127.0.0.1',
    RECONNECT_DELAY: '1',
    MAX_RECONNECT_DELAY: '2',
    ...options.env,
  });
}

export function startHawserStandard(options: { port: number; token: string; env?: Record<string, string> }) {
  return startProcess([testbed().hawser, 'standard'], {
    PORT: String(options.port),
    BIND_ADDRESS: '127.0.0.1',
    TOKEN: options.token,
    AGENT_NAME: 'hawser-standard-test',
    ...options.env,
  });
}

export function startProcess(argv: string[], env: Record<string, string>): RunningAgent {
  const stacks = mkdtempSync(join(tmpdir(), 'windflow-agent-'));
  const child = Bun.spawn(argv, {
    env: {
      PATH: process.env.PATH ?? '',
      DOCKER_SOCKET: testbed().dockerSocket,
      STACKS_DIR: stacks,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let text = '';
  let waiters: { test: (text: string) => boolean; resolve: () => void }[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const ready = waiters.filter((waiter) => waiter.test(text));
      waiters = waiters.filter((waiter) => !ready.includes(waiter));
      for (const waiter of ready) waiter.resolve();
    }
  };
  void read(child.stdout);
  void read(child.stderr);
  const end = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await child.exited;
    rmSync(stacks, { recursive: true, force: true });
  };
  return {
    pid: child.pid,
    output: () => text,
    waitFor(expected, timeoutMs = 15_000) {
      const test = (seen: string) =>
        typeof expected === 'string' ? seen.includes(expected) : expected.test(seen);
      if (test(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`the agent did not print ${String(expected)}; it printed:\n${text.slice(-3000)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
