// A local HTTP server standing in for a notification service in tests: it records every
// request (method, path, headers, body) and answers with what the test says.

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON was sent
  json: any;
}

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Answers for the next requests, in order; then 200. */
  answers: { status: number; delayMs?: number; headers?: Record<string, string> }[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): void;
}

export function startHttpReceiver(): HttpReceiver {
  const requests: ReceivedRequest[] = [];
  const answers: HttpReceiver['answers'] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const text = await request.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const url = new URL(request.url);
      requests.push({
        method: request.method,
        path: url.pathname + url.search,
        headers: request.headers,
        text,
        json,
      });
      const answer = answers.shift() ?? { status: 200 };
      if (answer.delayMs) await Bun.sleep(answer.delayMs);
      return new Response(answer.status < 300 ? '{"ok":true}' : 'receiver says no', {
        status: answer.status,
        headers: answer.headers,
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? 0,
    requests,
    answers,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await Bun.sleep(20);
      }
      return requests;
    },
    stop: () => server.stop(true),
  };
}
