// The events history store on both databases: search by container, stack, type, action and text,
// newest first with paging back, limited to the environments asked for; old events expire. The
// in-memory filter of live views agrees with the search on every filter.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import {
  type EngineEventQuery,
  EngineEventStore,
  matchesFilters,
  type NewEngineEvent,
} from './engine-events.ts';
import { EnvironmentStore } from './environments.ts';
import { migrate } from './migrate.ts';
import { SecretBox } from './secret-box.ts';

const NOW = 1_780_000_000_000;

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  let events: EngineEventStore;
  let first: number;
  let second: number;
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
    await migrate(scratch.db);
    const environments = new EnvironmentStore(scratch.db, new SecretBox(Buffer.alloc(32, 7)));
    const make = async (name: string) =>
      (await environments.create({ name, type: 'local-socket', address: '/var/run/docker.sock', labels: {} }))
        .id;
    first = await make('one');
    second = await make('two');
    events = new EngineEventStore(scratch.db);
  });
  afterEach(() => scratch.drop());

  const event = (environmentId: number, at: number, fields: Partial<NewEngineEvent>): NewEngineEvent => ({
    environmentId,
    at,
    type: 'container',
    action: 'start',
    actorId: 'abc123def',
    name: 'web',
    stack: null,
    service: null,
    attributes: {},
    ...fields,
  });

  test('filters, order, paging, environments and expiry', async () => {
    await events.add([
      event(first, NOW - 40 * 86_400_000, { action: 'create' }),
      event(first, NOW - 3000, {
        action: 'start',
        stack: 'shop',
        service: 'web',
        attributes: { image: 'nginx:1' },
      }),
      event(first, NOW - 2000, {
        action: 'die',
        stack: 'shop',
        service: 'web',
        attributes: { exitCode: '137' },
      }),
      event(first, NOW - 1000, { type: 'image', action: 'pull', actorId: 'busybox:1', name: 'busybox:1' }),
      event(second, NOW - 500, { action: 'start', name: 'db', actorId: 'fff000' }),
    ]);
    const all = await events.search({ environmentIds: [first] });
    expect(all.map((e) => e.action)).toEqual(['pull', 'die', 'start', 'create']);
    expect((await events.search({ environmentIds: [first], container: 'web' })).map((e) => e.action)).toEqual(
      ['die', 'start', 'create'],
    );
    expect((await events.search({ environmentIds: [first], container: 'abc1' })).length).toBe(3);
    expect(
      (await events.search({ environmentIds: [first], stack: 'shop', action: 'die' }))[0]?.attributes,
    ).toEqual({
      exitCode: '137',
    });
    expect((await events.search({ environmentIds: [first], type: 'image' })).map((e) => e.name)).toEqual([
      'busybox:1',
    ]);
    expect((await events.search({ environmentIds: [first], text: 'NGINX' })).map((e) => e.action)).toEqual([
      'start',
    ]);
    expect(
      (await events.search({ environmentIds: [first], before: NOW - 2000, limit: 1 })).map((e) => e.action),
    ).toEqual(['start']);
    expect(
      (await events.search({ environmentIds: [first, second], action: 'start' })).map((e) => e.name),
    ).toEqual(['db', 'web']);
    expect(await events.search({ environmentIds: [] })).toEqual([]);
    expect(await events.newest(first)).toBe(NOW - 1000);
    expect(await events.purgeOlderThan(30, NOW)).toBe(1);
    expect((await events.search({ environmentIds: [first] })).length).toBe(3);
  });

  test('add returns the events as kept, and the live filter agrees with the search', async () => {
    const kept = await events.add([
      event(first, NOW - 3000, { action: 'start', stack: 'shop', attributes: { image: 'Nginx:1' } }),
      event(first, NOW - 2000, { action: 'die', stack: 'shop', attributes: { exitCode: '137' } }),
      event(first, NOW - 1000, { type: 'image', action: 'pull', actorId: 'busybox:1', name: 'busybox:1' }),
      event(second, NOW - 500, { action: 'start', name: 'db', actorId: 'fff000' }),
      event(second, NOW - 400, { type: 'network', action: 'connect', name: 'web', actorId: 'abc999' }),
    ]);
    expect(kept.map((e) => e.action)).toEqual(['start', 'die', 'pull', 'start', 'connect']);
    const all = await events.search({ environmentIds: [first, second] });
    expect([...kept].reverse()).toEqual(all);
    const queries: EngineEventQuery[] = [
      { environmentIds: [first] },
      { environmentIds: [second] },
      { environmentIds: [] },
      { environmentIds: [first, second], type: 'image' },
      { environmentIds: [first, second], action: 'start' },
      { environmentIds: [first, second], container: 'web' },
      { environmentIds: [first, second], container: 'abc' },
      { environmentIds: [first, second], container: 'fff0' },
      { environmentIds: [first, second], stack: 'shop' },
      { environmentIds: [first, second], text: 'nginx' },
      { environmentIds: [first, second], text: '137' },
      { environmentIds: [first, second], text: 'START' },
      { environmentIds: [first, second], stack: 'shop', action: 'die', container: 'web' },
    ];
    for (const query of queries)
      expect({
        query,
        ids: kept
          .filter((e) => query.environmentIds.includes(e.environmentId) && matchesFilters(e, query))
          .map((e) => e.id),
      }).toEqual({
        query,
        ids: (await events.search(query)).map((e) => e.id).reverse(),
      });
  });
});
