// The server-sent events helper's bound on a stalled client: a fan-out source that outruns its
// client past `maxBacklog` messages drops the connection and aborts, instead of queueing forever.
import { expect, test } from 'bun:test';
import { serverSentEvents } from './server-sent-events.ts';

test('a client that stops reading is dropped past the backlog, and the source is aborted', async () => {
  const { promise: ended, resolve: onEnded } = Promise.withResolvers<{ sent: number; aborted: boolean }>();
  const stream = serverSentEvents(
    async function* (signal) {
      let sent = 0;
      try {
        while (!signal.aborted && sent < 10_000) {
          sent++;
          yield { data: { sent } };
        }
      } finally {
        onEnded({ sent, aborted: signal.aborted });
      }
    },
    { maxBacklog: 50 },
  );
  const reader = stream.getReader();
  const { sent, aborted } = await ended;
  expect(aborted).toBe(true);
  expect(sent).toBeLessThan(100);
  // What was queued is dropped: the client reads an error, not 10 000 messages.
  await expect(reader.read()).rejects.toThrow('fell behind');
});

test('without a bound, a slow client still gets every message', async () => {
  const stream = serverSentEvents(async function* () {
    for (let sent = 1; sent <= 200; sent++) yield { data: { sent } };
  });
  const text = await new Response(stream).text();
  expect(text.match(/^data: /gm)?.length).toBe(200);
});
