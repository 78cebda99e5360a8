// The alert store on both databases: rules with their kind's defaults, silences, an alert's
// episode from firing to resolved, acknowledgements, the history outliving its rule, and paging.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import { AlertStore } from './alerts.ts';
import { EnvironmentStore } from './environments.ts';
import { migrate } from './migrate.ts';
import { SecretBox } from './secret-box.ts';

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  let store: AlertStore;
  let environmentId: number;
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
    await migrate(scratch.db);
    store = new AlertStore(scratch.db);
    const environments = new EnvironmentStore(scratch.db, new SecretBox(Buffer.alloc(32, 1)));
    environmentId = (await environments.create({ name: 'local', type: 'local-socket', address: '/x.sock' }))
      .id;
  });
  afterEach(() => scratch.drop());

  test('a rule keeps its scope, fills its defaults and drops parameters its kind does not read', async () => {
    const rule = await store.createRule(
      {
        name: 'cpu hot',
        kind: 'cpu',
        environmentId,
        stack: 'shop',
        container: '',
        severity: 'warning',
        params: { threshold: 80, restarts: 5 },
      },
      'admin',
    );
    expect(rule).toMatchObject({
      kind: 'cpu',
      environmentId,
      stack: 'shop',
      container: null,
      enabled: true,
      silencedUntil: null,
      createdBy: 'admin',
      params: { threshold: 80, durationSeconds: 300, margin: 10, resolveAfterSeconds: 120 },
    });
    expect(rule.params).not.toHaveProperty('restarts');
    const until = new Date(Date.now() + 60_000).toISOString();
    expect((await store.silenceRule(rule.id, until))?.silencedUntil).toBe(until);
    const updated = await store.updateRule(rule.id, { ...rule, name: 'renamed', enabled: false });
    expect(updated).toMatchObject({ name: 'renamed', enabled: false, silencedUntil: until });
  });

  test('an alert fires, is acknowledged, resolves once, and stays after its rule goes', async () => {
    const rule = await store.createRule(
      { name: 'exits', kind: 'container-exited', severity: 'error' },
      'admin',
    );
    const base = { rule, environmentId, stack: null, value: 137, notified: true };
    const first = await store.addAlert({
      ...base,
      subject: 'web',
      summary: 'web died',
      firedAt: '2026-01-01T00:00:00Z',
    });
    const second = await store.addAlert({
      ...base,
      subject: 'db',
      summary: 'db died',
      firedAt: '2026-01-01T00:01:00Z',
    });
    expect(first).toMatchObject({ state: 'firing', value: 137, notified: true, ruleName: 'exits' });
    expect((await store.firing()).map((alert) => alert.subject)).toEqual(['web', 'db']);

    expect(await store.acknowledge(first.id, 'olga')).toMatchObject({ acknowledgedBy: 'olga' });
    expect(await store.resolve(first.id, 'running again', '2026-01-01T00:02:00Z')).toMatchObject({
      state: 'resolved',
      resolution: 'running again',
    });
    expect(await store.resolve(first.id, 'twice', '2026-01-01T00:03:00Z')).toBeUndefined();
    expect(await store.acknowledge(first.id, 'olga')).toBeUndefined();

    expect((await store.alerts({ state: 'firing' })).map((alert) => alert.id)).toEqual([second.id]);
    expect((await store.alerts({ limit: 1 })).map((alert) => alert.id)).toEqual([second.id]);
    expect((await store.alerts({ beforeId: second.id })).map((alert) => alert.id)).toEqual([first.id]);
    expect(await store.alerts({ environmentIds: [] })).toEqual([]);
    expect(await store.alerts({ environmentIds: [environmentId + 1] })).toEqual([]);

    expect(await store.removeRule(rule.id)).toBe(true);
    expect((await store.alert(first.id))?.ruleId).toBeNull();
    expect(await store.purgeResolvedBefore(new Date('2026-01-02T00:00:00Z'))).toBe(1);
    expect((await store.alerts()).map((alert) => alert.id)).toEqual([second.id]);
  });
});
