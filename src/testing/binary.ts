// Starts the built dist/windflow on a free port, for end-to-end tests and benchmarks.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testbed } from './testbed.ts';

export const BINARY = join(import.meta.dir, '..', '..', 'dist', 'windflow');

export interface RunningBinary {
  url: string;
  pid: number;
  /** Every log line so far (JSON objects). */
  logs: Record<string, unknown>[];
  residentKiB(): number;
  stop(): Promise<number>;
  /** SIGKILL: the process gets no chance to tidy up, as in a crash or an OOM kill. */
  kill(): Promise<number>;
}

export async function startBinary(options: {
  dataDir: string;
  dockerSocket: string;
  /** Default: any free port. */
  port?: number;
  env?: Record<string, string>;
  /** Default: the test bed's busybox; null: none given, the binary uses the one it carries. */
  helperImage?: string | null;
}): Promise<RunningBinary> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "bun run build" first`);
  const child = Bun.spawn(
    [
      BINARY,
      'serve',
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      options.dataDir,
      '--docker-socket',
      options.dockerSocket,
      ...(options.helperImage === null
        ? []
        : ['--helper-image', options.helperImage ?? testbed().images.busybox]),
    ],
    { env: { PATH: process.env.PATH ?? '', ...options.env }, stdout: 'inherit', stderr: 'pipe' },
  );
  const logs: Record<string, unknown>[] = [];
  const { promise: listening, resolve: onListening } = Promise.withResolvers<string>();
  const logsRead = collectLogs(child.stderr, logs, onListening);
  let timer: Timer | undefined;
  const url = await Promise.race([
    listening,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`windflow did not start in 15 s: ${JSON.stringify(logs)}`)),
        15_000,
      );
    }),
    child.exited.then(async (code): Promise<never> => {
      await logsRead;
      throw new Error(`windflow exited with ${code}: ${JSON.stringify(logs)}`);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    url,
    pid: child.pid,
    logs,
    residentKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]),
    async stop() {
      child.kill('SIGTERM');
      return child.exited;
    },
    async kill() {
      child.kill('SIGKILL');
      return child.exited;
    },
  };
}

/** Collects the JSON log lines and reports the URL from the "listening" line. */
async function collectLogs(
  stream: ReadableStream<Uint8Array>,
  logs: Record<string, unknown>[],
  onListening: (url: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const entry = parseLogLine(line);
      logs.push(entry);
      if (entry.msg === 'listening') onListening(String(entry.url));
    }
  }
}

function parseLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { raw: line };
  }
}
