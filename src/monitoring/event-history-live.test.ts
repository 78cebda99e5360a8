// The events history's live readers, on a real store fed by hand through the listener the shared
// Engine streams call: a reader that keeps up gets every kept event in order with its id; one
// that falls MAX_QUEUED_EVENTS behind is ended with FellBehindError instead of queueing without end; a failed
// write shows nothing live (the history lacks it too).
import { afterEach, beforeEach, expect, test } from 'bun:test';
import { createLogger } from '../daemon/logger.ts';
import type { DockerEvent } from '../docker/types.ts';
import { EngineEventStore } from '../store/engine-events.ts';
import { EnvironmentStore } from '../store/environments.ts';
import { migrate } from '../store/migrate.ts';
import { SecretBox } from '../store/secret-box.ts';
import { type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import type { EngineEventListener, EngineEventStreams } from './engine-events.ts';
import { EventHistory, FellBehindError, MAX_QUEUED_EVENTS } from './event-history.ts';

let scratch: ScratchDatabase;
let history: EventHistory;
let listener: EngineEventListener;
let environmentId: number;

beforeEach(async () => {
  scratch = await scratchDatabase('sqlite');
  await migrate(scratch.db);
  const environments = new EnvironmentStore(scratch.db, new SecretBox(Buffer.alloc(32, 7)));
  environmentId = (
    await environments.create({
      name: 'one',
      type: 'local-socket',
      address: '/var/run/docker.sock',
      labels: {},
    })
  ).id;
  // Only the subscription of the shared streams is used: the events are told by hand.
  const streams = {
    subscribe: (each: EngineEventListener) => {
      listener = each;
      return () => {};
    },
  } as unknown as EngineEventStreams;
  history = new EventHistory({
    streams,
    store: new EngineEventStore(scratch.db),
    logger: createLogger('error'),
  });
  history.start();
});
afterEach(async () => {
  await history.stop();
  scratch.drop();
});

const tell = (count: number) => {
  for (let n = 0; n < count; n++)
    listener.event?.(environmentId, {
      Type: 'container',
      Action: n % 2 ? 'die' : 'start',
      Actor: { ID: `c${n}`, Attributes: { name: `c${n}` } },
      time: 1_780_000_000 + n,
      timeNano: (1_780_000_000 + n) * 1e9,
    } as DockerEvent);
};

test('a reader that keeps up gets every kept event in order; a stalled one is ended', async () => {
  const abort = new AbortController();
  const keeping = history.live(abort.signal);
  const stalled = history.live(abort.signal);
  const first = keeping.next(); // registers the reader
  const stalledFirst = stalled.next();
  expect(history.liveReaders).toBe(2);

  tell(3);
  await history.flush();
  expect((await first).value).toMatchObject({ environmentId, action: 'start', name: 'c0' });
  expect((await stalledFirst).value).toMatchObject({ name: 'c0' });
  const rest = [(await keeping.next()).value, (await keeping.next()).value];
  expect(rest.map((event) => event?.name)).toEqual(['c1', 'c2']);
  expect(rest.every((event) => typeof event?.id === 'number')).toBe(true);

  // The stalled reader has two waiting; a full queue more, then one, are past its bound.
  const readAll = async (count: number) => {
    for (let read = 0; read < count; read++) expect((await keeping.next()).done).toBe(false);
  };
  tell(MAX_QUEUED_EVENTS);
  await history.flush();
  await readAll(MAX_QUEUED_EVENTS);
  tell(1);
  await history.flush();
  await readAll(1);
  // What it had taken before is still handed over, then it ends.
  expect((await stalled.next()).value?.name).toBe('c1');
  expect((await stalled.next()).value?.name).toBe('c2');
  await expect(stalled.next()).rejects.toThrow(FellBehindError);

  abort.abort();
  expect(await keeping.next()).toEqual({ done: true, value: undefined });
  expect(history.liveReaders).toBe(0);
});

test('a write that fails shows nothing live', async () => {
  const abort = new AbortController();
  const reader = history.live(abort.signal);
  const next = reader.next();
  await scratch.db.run('DROP TABLE engine_events');
  tell(1);
  await history.flush();
  abort.abort();
  expect(await next).toEqual({ done: true, value: undefined });
});
