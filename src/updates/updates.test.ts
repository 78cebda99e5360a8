// Updates against the real test registry and daemon: push v1 and run it, push v2 under the same
// tag; the check reports it, an auto-update policy applies it and the container runs v2's digest
// with its configuration unchanged; a v3 that fails its healthcheck is rolled back to v2 and the
// notification says so. Also: a dry run changes nothing; bad policies are refused.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import {
  addWebhookChannel,
  type LocalEnvironment,
  localEnvironment,
  removeRunObjects,
} from '../http/routes/docker-test-fixture.ts';
import { type HttpReceiver, startHttpReceiver } from '../testing/http-receiver.ts';
import { publishVersion } from '../testing/images.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
let env: LocalEnvironment;
let receiver: HttpReceiver;
let repository: string;
let reference: string;

const publish = (version: string, healthy = true): Promise<string> =>
  publishVersion(env.docker, { base: bed.images.busybox, reference, labels: env.labels, version, healthy });

/** Inspect without what a recreate changes by nature (the id-derived host name) or only spells
 * differently (null and empty lists, the "default" network mode that is "bridge"). */
const comparable = (inspect: Record<string, unknown>) => {
  const config = { ...(inspect.Config as Record<string, unknown>) };
  delete config.Hostname;
  const hostConfig = Object.fromEntries(
    Object.entries(inspect.HostConfig as Record<string, unknown>).map(([key, value]) => {
      const empty =
        value === null ||
        (Array.isArray(value) && value.length === 0) ||
        (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
      return [key, empty ? null : key === 'NetworkMode' && value === 'default' ? 'bridge' : value];
    }),
  );
  return { name: inspect.Name, config, hostConfig };
};

beforeAll(async () => {
  env = await localEnvironment({ notifier: { retryDelaysMs: [50] } });
  repository = `${bed.registry.address}/windflow-test/update-${env.name('app')}`;
  reference = `${repository}:stable`;
  receiver = startHttpReceiver();
  await addWebhookChannel(env, `${receiver.url}/hook`, ['update-available', 'updated', 'rolled-back']);
});
afterAll(async () => {
  receiver.stop();
  await removeRunObjects(env);
  await env.close();
});

test('check, auto-update to v2 with the configuration unchanged, and a failing v3 rolled back to v2', async () => {
  const v1 = await publish('v1');
  const name = env.name('web');
  const { Id } = await env.docker.createContainer(
    {
      Image: reference,
      Env: ['GREETING=hello', 'MODE=test'],
      Labels: { ...env.labels, role: 'web' },
      HostConfig: { RestartPolicy: { Name: 'unless-stopped' }, Memory: 64 * 1024 * 1024 },
    },
    name,
  );
  await env.docker.startContainer(Id);
  const before = await env.docker.inspectContainer(Id);
  expect(before.Image).toBe(v1);

  const v2 = await publish('v2');
  const checked = await env.services.updateService.check(env.environmentId);
  const mine = checked.find((each) => each.containerName === name);
  expect(mine).toMatchObject({ status: 'available', image: reference });
  expect(mine?.remoteDigest).toMatch(/^sha256:/);
  expect(mine?.remoteDigest).not.toBe(mine?.localDigest);

  // A dry run says what would happen and changes nothing.
  const dry = await env.services.updateService.update(env.environmentId, {
    containerId: Id,
    dryRun: true,
    startedBy: 'test',
  });
  expect(dry.outcome).toBe('dry-run');
  expect((await env.docker.inspectContainer(Id)).Image).toBe(v1);

  const scheduler = env.services.scheduler;
  const policy = await scheduler.create({
    kind: 'auto-update',
    name: 'nightly web',
    cron: '0 4 * * *',
    environmentId: env.environmentId,
    options: { containers: [name], mode: 'digest', graceSeconds: 15 },
  });
  expect(await scheduler.runNow(policy.id)).toBe('started');
  await scheduler.whenIdle(policy.id);
  expect((await env.services.schedules.get(policy.id))?.lastSummary).toBe('1 updated');
  const after = await env.docker.inspectContainer(name);
  expect(after.Image).toBe(v2);
  expect(comparable(after)).toEqual(comparable(before));
  const v2Digest = (await env.docker.inspectImage(v2)).RepoDigests.find((each) =>
    each.startsWith(repository),
  );
  expect(v2Digest).toBe(`${repository}@${mine?.remoteDigest}`);

  await publish('v3', false);
  expect(await scheduler.runNow(policy.id)).toBe('started');
  await scheduler.whenIdle(policy.id);
  expect((await env.services.schedules.get(policy.id))?.lastSummary).toBe('1 rolled-back');
  const rolledBack = await env.docker.inspectContainer(name);
  expect(rolledBack.Image).toBe(v2);
  expect(rolledBack.State.Running).toBe(true);
  expect(comparable(rolledBack)).toEqual(comparable(before));

  await env.services.notifier.idle();
  const titles = receiver.requests.map((request) => request.json.title as string);
  expect(titles).toContain(`${name} updated to ${reference}`);
  const rollback = receiver.requests.find((request) => request.json.event === 'rolled-back');
  expect(rollback?.json.title).toBe(`${name} rolled back: the update to ${reference} failed`);
  expect(rollback?.json.text).toContain('unhealthy');

  const history = await env.services.updates.runs(env.environmentId);
  expect(history.map((run) => run.outcome)).toEqual(['rolled-back', 'updated', 'dry-run']);
  // The digest that was rolled back is not tried again.
  await scheduler.runNow(policy.id);
  await scheduler.whenIdle(policy.id);
  expect((await env.services.schedules.get(policy.id))?.lastSummary).toBe('nothing to update');
  expect((await env.docker.inspectContainer(name)).Image).toBe(v2);
});

test('bad policies are refused with a clear error', async () => {
  const base = { kind: 'auto-update', name: 'x', cron: '0 4 * * *', environmentId: env.environmentId };
  for (const options of [
    { mode: 'major' },
    { gate: 'sometimes' },
    { graceSeconds: 0 },
    { containers: 'web' },
    { colour: 'red' },
  ]) {
    await expect(env.services.scheduler.create({ ...base, options })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  }
});
