// Server-Sent Events: the one way Windflow streams live data (engine events, job progress,
// logs, stats) to the browser over plain HTTP.

const KEEP_ALIVE_MS = 20_000;

/** One message: `data` is sent as JSON; `id` lets a reconnecting client resume. */
export interface ServerSentEvent {
  id?: string;
  event?: string;
  data: unknown;
}

export interface ServerSentEventOptions {
  keepAliveMs?: number;
  /**
   * For sources that never wait for the client (a fan-out): when this many messages are sent but
   * not yet taken by the client, the connection is dropped and the source's signal aborts, so a
   * stalled client cannot grow memory. Unset, messages wait for the client without a bound.
   */
  maxBacklog?: number;
}

/**
 * A stream of messages from a source: a comment when connected, one message per item, a
 * keep-alive comment now and then, and an `error` event if the source fails. When the client
 * goes away the stream is cancelled and the source's signal aborts.
 */
export function serverSentEvents(
  open: (signal: AbortSignal) => AsyncIterable<ServerSentEvent>,
  { keepAliveMs = KEEP_ALIVE_MS, maxBacklog }: ServerSentEventOptions = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  let keepAlive: Timer | undefined;
  return new ReadableStream({
    start(controller) {
      const send = (text: string) => {
        if (abort.signal.aborted) return;
        controller.enqueue(encoder.encode(text));
        if (maxBacklog !== undefined && (controller.desiredSize ?? 0) < -maxBacklog) {
          clearInterval(keepAlive);
          abort.abort();
          controller.error(new Error('the client fell behind'));
        }
      };
      send(': connected\n\n');
      keepAlive = setInterval(() => send(': keep-alive\n\n'), keepAliveMs);
      void (async () => {
        try {
          for await (const message of open(abort.signal)) send(formatMessage(message));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          send(formatMessage({ event: 'error', data: { message } }));
        } finally {
          clearInterval(keepAlive);
          if (!abort.signal.aborted) controller.close();
        }
      })();
    },
    cancel() {
      clearInterval(keepAlive);
      abort.abort();
    },
  });
}

/** The HTTP answer carrying a stream of server-sent events, unbuffered by proxies. */
export function eventStreamResponse(
  open: (signal: AbortSignal) => AsyncIterable<ServerSentEvent>,
  options?: ServerSentEventOptions,
): Response {
  return new Response(serverSentEvents(open, options), {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
}

function formatMessage({ id, event, data }: ServerSentEvent): string {
  return `${id === undefined ? '' : `id: ${id}\n`}${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
}
