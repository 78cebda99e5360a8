// Shared by the client's tests: clients for the test bed's daemons, containers that are
// labelled, uniquely named and removed afterwards, and small readers.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { testbed } from '../testing/testbed.ts';
import { DockerClient } from './client.ts';
import type { DockerEndpoint } from './endpoint.ts';
import type { LogChunk } from './streams.ts';

export const TEST_LABEL = 'windflow.test';

export function localDocker(options?: { timeoutMs?: number }): DockerClient {
  return new DockerClient({ kind: 'unix', socketPath: testbed().dockerSocket }, options);
}

export function tlsEndpoint(): Extract<DockerEndpoint, { kind: 'tcp-tls' }> {
  const { host, port, ca, cert, key } = testbed().tlsDaemon;
  const pem = (path: string) => readFileSync(path, 'utf8');
  return { kind: 'tcp-tls', host, port, tls: { ca: pem(ca), cert: pem(cert), key: pem(key) } };
}

let sequence = 0;

/** Containers made for one test file; `removeAll` in afterAll. */
export class TestContainers {
  private readonly ids: string[] = [];

  constructor(
    private readonly docker: DockerClient,
    private readonly image = testbed().images.busybox,
  ) {}

  async create(command: string[], config: Record<string, unknown> = {}): Promise<string> {
    const name = `windflow-docker-test-${process.pid}-${Date.now().toString(36)}-${sequence++}`;
    const { Id } = await this.docker.createContainer(
      { Image: this.image, Cmd: command, Labels: { [TEST_LABEL]: '1' }, ...config },
      name,
    );
    this.ids.push(Id);
    return Id;
  }

  async run(command: string[], config: Record<string, unknown> = {}): Promise<string> {
    const id = await this.create(command, config);
    await this.docker.startContainer(id);
    return id;
  }

  async removeAll(): Promise<void> {
    await Promise.all(
      this.ids.map((id) =>
        this.docker.removeContainer(id, { force: true }).catch((error: unknown) => {
          if ((error as { status?: number }).status !== 404) throw error;
        }),
      ),
    );
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function textOf(chunks: LogChunk[], stream: LogChunk['stream']): string {
  return chunks
    .filter((chunk) => chunk.stream === stream)
    .map((chunk) => new TextDecoder().decode(chunk.data))
    .join('');
}

/** Reads a byte stream as text, resolving each `waitFor` once the text so far contains it. */
export class TextReader {
  text = '';
  private readonly done: Promise<void>;
  private waiters: { expected: string; resolve: () => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) {
        this.text += decoder.decode(chunk, { stream: true });
        const seen = this.waiters.filter((waiter) => this.text.includes(waiter.expected));
        this.waiters = this.waiters.filter((waiter) => !seen.includes(waiter));
        for (const waiter of seen) waiter.resolve();
      }
    })();
    // A stream that fails is reported by `end`, not as an unhandled rejection.
    this.done.catch(() => undefined);
  }

  waitFor(expected: string, timeoutMs = 10_000): Promise<void> {
    if (this.text.includes(expected)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`did not see ${JSON.stringify(expected)} in ${JSON.stringify(this.text)}`)),
        timeoutMs,
      );
      this.waiters.push({
        expected,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Resolves with all the text once the stream has ended. */
  async end(): Promise<string> {
    await this.done;
    return this.text;
  }
}

/** The socket inodes this process has open. */
export function openSockets(): Set<string> {
  const links = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // closed while listing
    }
  });
  return new Set(links.filter((link) => link.startsWith('socket:')));
}
