// The updates routes over HTTP, crossing their boundaries: an update recreates a container with
// every host power it has, so someone without host:access there may not have it done (neither
// the update nor its dry run), while a plain container, or a caller holding host:access, may.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Principal } from '../../auth/principal.ts';
import { testbed } from '../../testing/testbed.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
  updateRoutesOf,
} from './docker-test-fixture.ts';

let env: LocalEnvironment;

beforeAll(async () => {
  env = await localEnvironment();
});
afterAll(async () => {
  await removeRunObjects(env);
  await env.close();
});

function updatesAs(principal: Principal) {
  return routesApp((access) => updateRoutesOf(env, access), principal).api;
}

/** Created, not started: privileged containers cannot run in every test bed, and an update
 * recreates a stopped container all the same. */
async function container(hostConfig: Record<string, unknown>): Promise<string> {
  const { Id } = await env.docker.createContainer(
    {
      Image: testbed().images.busybox,
      Cmd: ['sleep', '3600'],
      Labels: env.labels,
      HostConfig: { ...hostConfig },
    },
    env.name('update'),
  );
  return Id;
}

test('a container with host powers is updated only by a holder of host:access there', async () => {
  const powerful = [
    await container({ Binds: ['/etc:/host-etc:ro'] }),
    await container({ Privileged: true }),
    await container({ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }),
  ];
  const updater = principalWith('containers:read', 'containers:update');
  const elsewhere: Principal = {
    ...updater,
    roles: [...updater.roles, { grants: ['host:access'], environmentId: env.environmentId + 1000 }],
  };
  for (const caller of [updater, elsewhere]) {
    const api = updatesAs(caller);
    for (const id of powerful) {
      for (const body of [{}, { dryRun: true }, { tag: 'other' }]) {
        const answer = await api.call(
          'POST',
          `/api/environments/${env.environmentId}/updates/containers/${id}`,
          body,
        );
        expect(answer).toMatchObject({ status: 403, body: { code: 'HOST_ACCESS_REQUIRED' } });
      }
      // Nothing was recreated.
      expect((await env.docker.inspectContainer(id)).Id).toBe(id);
    }
  }
  expect(await env.services.updates.runs(env.environmentId)).toEqual([]);

  // The same caller may have a plain container updated (a dry run here: busybox has no registry).
  const plain = await container({});
  const dry = await updatesAs(updater).call(
    'POST',
    `/api/environments/${env.environmentId}/updates/containers/${plain}`,
    { dryRun: true },
  );
  expect(dry).toMatchObject({ status: 200, body: { outcome: 'dry-run' } });

  // Holding host:access on this environment opens the powerful ones too.
  const holder: Principal = {
    ...updater,
    roles: [...updater.roles, { grants: ['host:access'], environmentId: env.environmentId }],
  };
  const allowed = await updatesAs(holder).call(
    'POST',
    `/api/environments/${env.environmentId}/updates/containers/${powerful[1]}`,
    { dryRun: true },
  );
  expect(allowed).toMatchObject({ status: 200, body: { outcome: 'dry-run' } });

  // Reading updates is not enough to run one.
  const reader = await updatesAs(principalWith('containers:read')).call(
    'POST',
    `/api/environments/${env.environmentId}/updates/containers/${plain}`,
    { dryRun: true },
  );
  expect(reader.status).toBe(403);
});
