// A stack service's update against the real registry goes through the stack's deploy: push v1,
// deploy the stack, push v2 under the same tag; the update deploys the stack again as a new
// revision and the service runs v2's digest; a v3 that fails its healthcheck is put back by the
// stack's own rollback (the previous revision with the digest it ran). A dry run says so.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { LABEL } from '../docker/compose/labels.ts';
import type { Job } from '../docker/views.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  removeRunObjects,
} from '../http/routes/docker-test-fixture.ts';
import { publishVersion } from '../testing/images.ts';
import { jobEnd } from '../testing/jobs.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
let env: LocalEnvironment;
let stack: string;
let repository: string;
let reference: string;

const publish = (version: string, healthy = true): Promise<string> =>
  publishVersion(env.docker, { base: bed.images.busybox, reference, labels: env.labels, version, healthy });

const finished = (job: Job) => jobEnd(env.jobs, job);

async function serviceContainer(): Promise<{ Id: string; Image: string }> {
  const [container] = await env.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.project}=${stack}`, `${LABEL.service}=web`] },
  });
  if (!container) throw new Error(`no web container in ${stack}`);
  const inspect = await env.docker.inspectContainer(container.Id);
  return { Id: inspect.Id, Image: String(inspect.Image) };
}

beforeAll(async () => {
  env = await localEnvironment();
  stack = env.name('stack');
  repository = `${bed.registry.address}/windflow-test/stack-update-${env.name('web')}`;
  reference = `${repository}:stable`;
});
afterAll(async () => {
  await env.services.stackService.remove(env.environmentId, stack, true).catch(() => undefined);
  await removeRunObjects(env);
  await env.close();
});

test('a stack service is updated by its stack deploy, and a failing image is put back by its rollback', async () => {
  const v1 = await publish('v1');
  const compose = [
    'services:',
    '  web:',
    `    image: ${reference}`,
    '    stop_grace_period: 1s',
    '    environment:',
    '      GREETING: hello',
    '    labels:',
    ...Object.entries(env.labels).map(([key, value]) => `      ${key}: "${value}"`),
    '',
  ].join('\n');
  const stacks = env.services.stackService;
  const first = await finished(
    await stacks.deploy(env.environmentId, stack, { compose }, { mode: 'create' }),
  );
  expect(first.status).toBe('succeeded');
  const before = await serviceContainer();
  expect(before.Image).toBe(v1);

  const v2 = await publish('v2');
  const checked = await env.services.updateService.check(env.environmentId);
  const row = checked.find((each) => each.containerId === before.Id);
  expect(row).toMatchObject({ status: 'available', stack: { project: stack, service: 'web' } });

  const updates = env.services.updateService;
  const dry = await updates.update(env.environmentId, {
    containerId: before.Id,
    dryRun: true,
    startedBy: 'test',
  });
  expect(dry.detail).toBe(
    `would pull ${reference} and deploy stack ${stack} again (a new revision), which recreates its web service`,
  );
  // A stack service runs the tag its file names.
  await expect(
    updates.update(env.environmentId, {
      containerId: before.Id,
      targetImage: `${repository}:v9`,
      startedBy: 'test',
    }),
  ).rejects.toMatchObject({ code: 'STACK_SERVICE_TAG' });

  const updated = await updates.update(env.environmentId, { containerId: before.Id, startedBy: 'test' });
  expect(updated).toMatchObject({ outcome: 'updated', toDigest: row?.remoteDigest });
  const after = await serviceContainer();
  expect(after.Image).toBe(v2);
  expect(after.Id).not.toBe(before.Id);
  const v2Digest = (await env.docker.inspectImage(v2)).RepoDigests.find((each) =>
    each.startsWith(repository),
  );
  expect(v2Digest).toBe(`${repository}@${row?.remoteDigest}`);
  // The stack's history has the update as a deployed revision that ran v2's digest.
  const [revision] = await stacks.revisions(env.environmentId, stack);
  expect(revision).toMatchObject({ number: 2, outcome: 'deployed', images: { web: v2Digest } });
  expect((await env.docker.inspectContainer(after.Id)).Config.Env).toContain('GREETING=hello');

  // v3 never gets healthy: the stack's deploy fails and puts revision 2 back, with v2's digest.
  await publish('v3', false);
  const rolledBack = await updates.update(env.environmentId, { containerId: after.Id, startedBy: 'test' });
  expect(rolledBack.outcome).toBe('rolled-back');
  expect(rolledBack.detail).toContain('Revision 2 was put back');
  expect((await serviceContainer()).Image).toBe(v2);
  expect((await stacks.revisions(env.environmentId, stack)).map((each) => each.outcome)).toEqual([
    'rolled-back',
    'deployed',
    'deployed',
  ]);
  expect((await env.services.updates.runs(env.environmentId)).map((run) => run.outcome)).toEqual([
    'rolled-back',
    'updated',
    'dry-run',
  ]);
}, 240_000);
