// Usage feeds against the test bed's daemon: followers share one reading loop per environment,
// get the latest reading at once, and the loop stops when the last follower leaves.
import { afterAll, expect, test } from 'bun:test';
import { DockerClient } from '../docker/client.ts';
import { testbed } from '../testing/testbed.ts';
import { UsageFeeds, type UsageReading } from './usage-feeds.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const labels = { 'windflow.test': 'usage-feeds' };
afterAll(async () => {
  for (const container of await docker.listContainers({
    all: true,
    filters: { label: ['windflow.test=usage-feeds'] },
  }))
    await docker.removeContainer(container.Id, { force: true });
  docker.close();
});

/** The next `count` readings of a follower, then it leaves. */
async function take(readings: AsyncGenerator<UsageReading>, count: number): Promise<UsageReading[]> {
  const taken: UsageReading[] = [];
  for await (const reading of readings) {
    taken.push(reading);
    if (taken.length === count) break;
  }
  return taken;
}

test('followers share one loop, a late one gets the latest reading at once, and the loop ends with them', async () => {
  const { Id } = await docker.createContainer({
    Image: bed.images.busybox,
    Cmd: ['sleep', '300'],
    Labels: labels,
  });
  await docker.startContainer(Id);
  const feeds = new UsageFeeds(200);
  const first = new AbortController();
  const firstReadings = take(feeds.follow(docker, first.signal), 2);
  const [reading] = await take(feeds.follow(docker, new AbortController().signal), 1);
  expect(feeds.active).toBe(1);
  expect(reading?.[Id]?.memoryBytes).toBeGreaterThan(0);
  expect(typeof reading?.[Id]?.cpuPercent).toBe('number');

  const lateStarted = performance.now();
  const [late] = await take(feeds.follow(docker, new AbortController().signal), 1);
  // The latest reading, not a wait for the next one.
  expect(performance.now() - lateStarted).toBeLessThan(150);
  expect(late?.[Id]).toBeDefined();

  expect(await firstReadings).toHaveLength(2);
  expect(feeds.active).toBe(0);
});

test('a follower whose signal aborts stops at once, and so does the loop', async () => {
  const feeds = new UsageFeeds(60_000);
  const abort = new AbortController();
  const readings = feeds.follow(docker, abort.signal);
  await readings.next();
  expect(feeds.active).toBe(1);
  const waiting = readings.next();
  abort.abort();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(feeds.active).toBe(0);
});
