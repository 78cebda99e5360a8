// Logs, stats, processes, files and the terminal of containers on the test bed's daemon.
// Each runs against Docker and against Podman's compatible API; what Podman does differently
// is skipped there and listed in the README.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { TarParser } from '../../docker/volume-tar.ts';
import { testEngines } from '../../testing/engines.ts';
import { readServerSentEvents, type SentMessage } from '../../testing/server-sent-events.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import { containerStreamRoutes } from './container-streams.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  removeRunObjects,
  routesApp,
} from './docker-test-fixture.ts';
import { SHELL_CANDIDATES, terminalRoutes } from './terminal.ts';

const bed = testbed();
for (const engine of testEngines()) {
  describe(engine.name, () => {
    let env: LocalEnvironment;
    let api: ApiSession;
    let base: string;
    let server: { stop(): void; url: string };

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      const deps = { environments: env.environments, clients: env.clients, audit: env.audit };
      const routes = routesApp((access) =>
        new Elysia().use(containerStreamRoutes({ access, ...deps })).use(terminalRoutes({ access, ...deps })),
      );
      api = routes.api;
      base = `/api/environments/${env.environmentId}/containers`;
      routes.app.listen({ hostname: '127.0.0.1', port: 0 });
      server = { url: `127.0.0.1:${routes.app.server?.port}`, stop: () => void routes.app.stop() };
    });

    afterAll(async () => {
      server.stop();
      await removeRunObjects(env);
      await env.close();
    });

    async function run(script: string, config: Record<string, unknown> = {}): Promise<string> {
      const { Id } = await env.docker.createContainer(
        { Image: bed.images.busybox, Cmd: ['sh', '-c', script], Labels: env.labels, ...config },
        env.name('s'),
      );
      await env.docker.startContainer(Id);
      return Id;
    }

    /** Reads server-sent events until `done` says so (or the stream ends). */
    async function readEvents(
      path: string,
      done: (messages: SentMessage[]) => boolean,
    ): Promise<SentMessage[]> {
      const response = await api.request('GET', path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      return readServerSentEvents((response.body as ReadableStream<Uint8Array>).getReader(), done);
    }

    const linesOf = (messages: SentMessage[], stream: string) =>
      messages
        .filter((message) => message.data.stream === stream)
        .flatMap((message) => message.data.lines as string[]);

    describe('logs', () => {
      test('a non-TTY container: stdout and stderr told apart, with timestamps', async () => {
        const id = await run('echo out-one; echo err-one >&2; sleep 300');
        const messages = await readEvents(`${base}/${id}/logs`, (got) =>
          ['stdout', 'stderr'].every((stream) => linesOf(got, stream).length > 0),
        );
        const [stdout] = linesOf(messages, 'stdout');
        expect(stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z out-one$/);
        expect(linesOf(messages, 'stderr')[0]).toEndWith(' err-one');
      });

      test('a TTY container: one stream, no carriage returns, followed live', async () => {
        const id = await run('i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done', {
          Tty: true,
        });
        const messages = await readEvents(`${base}/${id}/logs?timestamps=false&tail=0`, (got) =>
          linesOf(got, 'stdout').some((line) => line.endsWith('tick 3') || line.includes('tick 4')),
        );
        const lines = linesOf(messages, 'stdout');
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.every((line) => /^tick \d+$/.test(line))).toBe(true);
        expect(linesOf(messages, 'stderr')).toEqual([]);
      });

      test('tail and download', async () => {
        const id = await run('for i in 1 2 3 4 5; do echo line-$i; done; sleep 300');
        await Bun.sleep(300);
        const tail = await readEvents(
          `${base}/${id}/logs?tail=2&timestamps=false`,
          (got) => linesOf(got, 'stdout').length >= 2,
        );
        expect(linesOf(tail, 'stdout')).toEqual(['line-4', 'line-5']);
        const download = await api.request('GET', `${base}/${id}/logs/download?timestamps=false`);
        expect(download.headers.get('content-disposition')).toContain('.log');
        expect(await download.text()).toBe('line-1\nline-2\nline-3\nline-4\nline-5\n');
        // Flags also take the Engine API's 1/0; anything else is refused at the edge.
        const engineStyle = await api.request('GET', `${base}/${id}/logs/download?timestamps=0&tail=1`);
        expect(await engineStyle.text()).toBe('line-5\n');
        expect(await api.call('GET', `${base}/${id}/logs/download?timestamps=yes`)).toMatchObject({
          status: 400,
          body: { code: 'VALIDATION' },
        });
        expect((await api.call('GET', `${base}/nosuchcontainer/logs`)).status).toBe(404);
      });
    });

    describe('stats and processes', () => {
      test('live usage computed like docker stats, with rates from the second sample', async () => {
        const id = await run('sleep 300');
        // Until the shell has exec'd `sleep`, the pids count includes runc's threads: read until it
        // settles at the one process (on a loaded machine the first sample can come before).
        const messages = await readEvents(
          `${base}/${id}/stats`,
          (got) => got.length >= 2 && got.at(-1)?.data.pids === 1,
        );
        const [first, second] = messages.map((message) => message.data);
        expect(first).toMatchObject({ cpuPercent: expect.any(Number), pids: expect.any(Number) });
        expect(first.memoryBytes).toBeGreaterThan(0);
        expect(first.memoryLimitBytes).toBeGreaterThan(first.memoryBytes);
        expect(second.networkRxPerSecond).toBeGreaterThanOrEqual(0);
        expect(messages.at(-1)?.data.pids).toBe(1);
      });

      test('processes with the columns the daemon gives; a stopped container has neither', async () => {
        const id = await run('sleep 300');
        const top = await api.call('GET', `${base}/${id}/top`);
        expect(top.body.titles).toContain('PID');
        const command = top.body.titles.indexOf(engine.name === 'docker' ? 'CMD' : 'COMMAND');
        // One column per title (Podman answers ps's lines whole; Windflow splits them).
        expect(top.body.processes.every((row: string[]) => row.length === top.body.titles.length)).toBe(true);
        expect(top.body.processes.some((row: string[]) => row[command] === 'sleep 300')).toBe(true);
        await env.docker.removeContainer(id, { force: true });
        const stopped = await run('true');
        await env.docker.request('POST', `/containers/${stopped}/wait`);
        expect((await api.call('GET', `${base}/${stopped}/top`)).body.code).toBe('CONTAINER_NOT_RUNNING');
        expect((await api.call('GET', `${base}/${stopped}/stats`)).status).toBe(409);
      });
    });

    describe('files', () => {
      test('upload a file into a folder, download it back as a tar', async () => {
        const id = await run('sleep 300');
        const form = new FormData();
        form.append('files', new File(['hello from windflow\n'], 'greeting.txt'));
        const uploaded = await api.request('POST', `${base}/${id}/files?path=/tmp`, form);
        expect(uploaded.status).toBe(201);
        const archive = await api.request('GET', `${base}/${id}/files?path=/tmp/greeting.txt`);
        expect(archive.headers.get('content-type')).toBe('application/x-tar');
        const names: string[] = [];
        let content = '';
        const parser = new TarParser({
          onEntry: (entry) => names.push(entry.name),
          onData: (bytes) => {
            content += new TextDecoder().decode(bytes);
          },
        });
        parser.push(new Uint8Array(await archive.arrayBuffer()));
        parser.end();
        expect(names).toEqual(['greeting.txt']);
        expect(content).toBe('hello from windflow\n');
        expect((await api.call('GET', `${base}/${id}/files?path=relative`)).status).toBe(400);
      });
    });

    describe('terminal', () => {
      function open(path: string) {
        const socket = new WebSocket(`ws://${server.url}${path}`);
        socket.binaryType = 'arraybuffer';
        // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the stream carries
        const texts: any[] = [];
        let output = '';
        const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve));
        socket.addEventListener('message', (event) => {
          if (typeof event.data === 'string') texts.push(JSON.parse(event.data));
          else output += new TextDecoder().decode(event.data as ArrayBuffer);
        });
        const waitFor = async (check: () => boolean, what: string) => {
          for (let attempt = 0; attempt < 100 && !check(); attempt++) await Bun.sleep(50);
          if (!check())
            throw new Error(`no ${what}; output so far: ${JSON.stringify(output)} ${JSON.stringify(texts)}`);
        };
        return {
          socket,
          texts,
          output: () => output,
          closed,
          waitFor,
          send: (message: object) => socket.send(JSON.stringify(message)),
        };
      }

      test('a shell with a TTY: input, output, resize, and exit closes the socket', async () => {
        const id = await run('sleep 300');
        const terminal = open(`${base}/${id}/terminal?cols=80&rows=24`);
        await terminal.waitFor(() => terminal.texts.some((text) => text.type === 'ready'), 'ready message');
        expect(terminal.texts[0]).toEqual({ type: 'ready', shell: '/bin/sh' });
        expect(SHELL_CANDIDATES[0]).toBe('/bin/bash'); // bash first: busybox has none, so sh was chosen
        terminal.send({ type: 'resize', cols: 123, rows: 45 });
        await Bun.sleep(200);
        terminal.send({ type: 'input', data: 'stty size; echo done-$((6*7))\n' });
        await terminal.waitFor(() => terminal.output().includes('done-42'), 'command output');
        expect(terminal.output()).toContain('45 123');
        terminal.send({ type: 'input', data: 'exit 3\n' });
        const closed = await terminal.closed;
        expect(closed.code).toBe(1000);
        expect(terminal.texts.at(-1)).toMatchObject({ type: 'exit', code: 3 });
        await env.audit.flush();
        const { entries } = await env.audit.search({ action: 'containers:exec', text: id });
        expect(entries[0]).toMatchObject({
          username: 'admin',
          environmentId: env.environmentId,
          outcome: 'success',
          detail: 'terminal: /bin/sh',
        });
      });

      test('several terminals at once, a chosen user, and closing from the browser ends the exec', async () => {
        const id = await run('sleep 300');
        const first = open(`${base}/${id}/terminal?user=nobody`);
        const second = open(`${base}/${id}/terminal?shell=/bin/ash`);
        await first.waitFor(() => first.texts.some((text) => text.type === 'ready'), 'first ready');
        await second.waitFor(() => second.texts.some((text) => text.type === 'ready'), 'second ready');
        expect(second.texts[0].shell).toBe('/bin/ash');
        first.send({ type: 'input', data: 'id -un\n' });
        second.send({ type: 'input', data: 'echo second-$((1+1))\n' });
        await first.waitFor(() => first.output().includes('nobody'), 'user name');
        await second.waitFor(() => second.output().includes('second-2'), 'second output');
        // A program in the foreground does not keep the exec alive either.
        first.send({ type: 'input', data: 'sleep 1000\n' });
        await Bun.sleep(200);
        first.socket.close();
        second.socket.close();
        await Promise.all([first.closed, second.closed]);
        // The execs' shells (and what ran in them) end with their connections.
        for (let attempt = 0; attempt < 40; attempt++) {
          const top = await api.call('GET', `${base}/${id}/top`);
          if (top.body.processes.length === 1) break;
          await Bun.sleep(100);
        }
        expect((await api.call('GET', `${base}/${id}/top`)).body.processes).toHaveLength(1);
      });

      test('a stopped container gets a clear message instead of a terminal', async () => {
        const id = await run('true');
        await env.docker.request('POST', `/containers/${id}/wait`);
        const terminal = open(`${base}/${id}/terminal`);
        const closed = await terminal.closed;
        expect(closed.code).toBe(4409);
        expect(terminal.texts[0].message).toContain('start it');
        await env.audit.flush();
        const { entries } = await env.audit.search({ action: 'containers:exec', text: id });
        expect(entries[0]).toMatchObject({ outcome: 'failure' });
      });

      test('attach to the main process', async () => {
        const id = await run('while read line; do echo "got $line"; done', { OpenStdin: true, Tty: true });
        const terminal = open(`${base}/${id}/terminal?mode=attach`);
        await terminal.waitFor(() => terminal.texts.some((text) => text.type === 'ready'), 'ready');
        terminal.send({ type: 'input', data: 'hello\n' });
        await terminal.waitFor(() => terminal.output().includes('got hello'), 'echo from the main process');
        terminal.socket.close();
      });
    });
  });
}
