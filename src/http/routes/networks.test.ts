// Network routes against the test bed's daemon: create with IPAM, connect with aliases and a
// fixed address, disconnect, the protected built-in networks, remove and prune.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { testEngines } from '../../testing/engines.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
} from './docker-test-fixture.ts';
import { networkRoutes } from './networks.ts';

for (const engine of testEngines()) {
  describe(engine.name, () => {
    const bed = testbed();
    let env: LocalEnvironment;
    let admin: ApiSession;
    let base: string;
    let containerId: string;
    let containerName: string;
    // A /24 unlikely to be taken, different per run.
    const octet = 100 + (process.pid % 150);
    const subnet = `10.213.${octet}.0/24`;

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      ({ api: admin } = routesApp((access) =>
        networkRoutes({ access, environments: env.environments, clients: env.clients }),
      ));
      base = `/api/environments/${env.environmentId}/networks`;
      containerName = env.name('net-user');
      containerId = (
        await env.docker.createContainer(
          { Image: bed.images.busybox, Cmd: ['sleep', '300'], Labels: env.labels },
          containerName,
        )
      ).Id;
      await env.docker.startContainer(containerId);
    });

    afterAll(async () => {
      await removeRunObjects(env);
      await env.close();
    });

    async function createNetwork(body: Record<string, unknown> = {}) {
      const name = env.name('net');
      const answer = await admin.call('POST', base, { name, labels: env.labels, ...body });
      expect(answer.status).toBe(201);
      return answer.body as { id: string; name: string };
    }

    describe('networks', () => {
      test('create a bridge with IPAM, internal and attachable; it is listed with its subnet', async () => {
        const docker = engine.name === 'docker';
        if (!docker) {
          // Attachable is a Swarm notion; Podman has no Swarm and ignores Docker's bridge options.
          const refused = await admin.call('POST', base, { name: env.name('net'), attachable: true });
          expect(refused).toMatchObject({ status: 501, body: { code: 'NOT_ON_PODMAN' } });
          expect(refused.body.message).toContain('attachable');
        }
        const created = await createNetwork({
          driver: 'bridge',
          internal: true,
          attachable: docker,
          ...(docker ? { options: { 'com.docker.network.bridge.enable_icc': 'true' } } : {}),
          ipam: [{ subnet, gateway: `10.213.${octet}.1`, ipRange: `10.213.${octet}.128/25` }],
        });
        expect(created).toMatchObject({
          driver: 'bridge',
          internal: true,
          attachable: docker,
          builtin: false,
          labels: env.labels,
          // Podman's compatible API does not show an IP range.
          subnets: [
            { subnet, gateway: `10.213.${octet}.1`, ipRange: docker ? `10.213.${octet}.128/25` : null },
          ],
          ...(docker ? { options: { 'com.docker.network.bridge.enable_icc': 'true' } } : {}),
        });
        const { status, body } = await admin.call('GET', base);
        expect(status).toBe(200);
        expect(body.find((network: { id: string }) => network.id === created.id)).toMatchObject({
          name: created.name,
          scope: 'local',
          containers: [],
        });
        expect(
          body
            .filter((network: { builtin: boolean }) => network.builtin)
            .map((n: { name: string }) => n.name),
        ).toEqual(expect.arrayContaining(docker ? ['bridge', 'host', 'none'] : ['bridge']));
        const inspected = await admin.call('GET', `${base}/${created.name}`);
        expect(inspected).toMatchObject({
          status: 200,
          body: { id: created.id, raw: { Name: created.name } },
        });
        expect(await admin.call('DELETE', `${base}/${created.id}`)).toMatchObject({ status: 204 });
        expect(await admin.call('GET', `${base}/${created.id}`)).toMatchObject({
          status: 404,
          body: { code: 'NETWORK_NOT_FOUND' },
        });
      });

      test('a macvlan network takes its parent interface as the driver option', async () => {
        const parent = hostInterface();
        const created = await createNetwork({
          driver: 'macvlan',
          parent,
          ipam: [{ subnet: `10.214.${octet}.0/24` }],
        });
        if (engine.name === 'docker')
          expect(created).toMatchObject({ driver: 'macvlan', options: { parent } });
        else {
          // Podman keeps the parent as the network's interface, which its compatible API does not show.
          expect(created).toMatchObject({ driver: 'macvlan' });
          const native = await fetch(`http://podman/v4.0.0/libpod/networks/${created.name}/json`, {
            unix: engine.socket,
          });
          expect(((await native.json()) as { network_interface: string }).network_interface).toBe(parent);
        }
        expect((await admin.call('DELETE', `${base}/${created.id}`)).status).toBe(204);
      });

      test('bad input is refused with a clear 400 and creates nothing', async () => {
        const name = env.name('bad');
        const attempts: [Record<string, unknown>, string][] = [
          [{ ipam: [{ subnet: '10.1.2.0/33' }] }, 'is not an IPv4 CIDR'],
          [{ ipam: [{ subnet: 'banana' }] }, 'is not an IPv4 CIDR'],
          [{ ipam: [{ subnet: '10.1.2.0/24', gateway: '10.1.3.1' }] }, 'outside subnet'],
          [{ ipam: [{ subnet: '10.1.2.0/24', gateway: '10.1.2.300' }] }, 'is not an IPv4 address'],
          [{ ipam: [{ subnet: '10.1.2.0/24', ipRange: '10.1.0.0/16' }] }, 'outside subnet'],
          [{ driver: 'bridge', parent: 'eth0' }, 'macvlan and ipvlan'],
        ];
        for (const [body, message] of attempts) {
          const answer = await admin.call('POST', base, { name, ...body });
          expect(answer).toMatchObject({ status: 400, body: { code: 'NETWORK_INVALID' } });
          expect(answer.body.message).toContain(message);
        }
        expect((await admin.call('POST', base, { name: 'bad name!' })).status).toBe(400);
        expect((await admin.call('GET', `${base}/${name}`)).status).toBe(404);
      });

      test('connect a container with aliases and a fixed address, then disconnect it', async () => {
        const network = await createNetwork({ ipam: [{ subnet: `10.215.${octet}.0/24` }] });
        const address = `10.215.${octet}.42`;
        const connected = await admin.call('POST', `${base}/${network.name}/connect`, {
          container: containerName,
          aliases: ['db', 'primary.db'],
          ipv4Address: address,
        });
        expect(connected.status).toBe(204);
        const listed = (await admin.call('GET', base)).body.find((n: { id: string }) => n.id === network.id);
        expect(listed.containers).toEqual([
          expect.objectContaining({ id: containerId, name: containerName, ipv4: address }),
        ]);
        const inspect = await env.docker.inspectContainer(containerId);
        const endpoint = (
          inspect.NetworkSettings as { Networks: Record<string, { Aliases: string[]; IPAddress: string }> }
        ).Networks[network.name];
        expect(endpoint?.IPAddress).toBe(address);
        expect(endpoint?.Aliases).toEqual(expect.arrayContaining(['db', 'primary.db']));

        const inUse = await admin.call('DELETE', `${base}/${network.id}`);
        expect(inUse).toMatchObject({ status: 409, body: { code: 'NETWORK_IN_USE' } });
        expect(inUse.body.message).toContain(containerName);

        expect(
          (
            await admin.call('POST', `${base}/${network.id}/connect`, {
              container: containerId,
              ipv4Address: '10.0.0.999',
            })
          ).status,
        ).toBe(400);
        expect(
          (await admin.call('POST', `${base}/${network.id}/disconnect`, { container: containerId })).status,
        ).toBe(204);
        const after = (await admin.call('GET', `${base}/${network.id}`)).body;
        expect(after.containers).toEqual([]);
        expect((await admin.call('DELETE', `${base}/${network.id}`)).status).toBe(204);
      });

      test('the built-in networks cannot be removed', async () => {
        for (const name of engine.name === 'docker' ? ['bridge', 'host', 'none'] : ['bridge', 'podman']) {
          const answer = await admin.call('DELETE', `${base}/${name}`);
          expect(answer).toMatchObject({ status: 409, body: { code: 'NETWORK_BUILTIN' } });
          expect(answer.body.message).toContain(name);
        }
        const bridgeId = (await admin.call('GET', `${base}/bridge`)).body.id;
        expect((await admin.call('DELETE', `${base}/${bridgeId}`)).status).toBe(409);
      });

      test('prune removes unused networks with the label and keeps used ones', async () => {
        const pruneLabel = { 'windflow.test.prune': env.name('prune') };
        const unused = await createNetwork({ labels: { ...env.labels, ...pruneLabel } });
        const used = await createNetwork({ labels: { ...env.labels, ...pruneLabel } });
        await admin.call('POST', `${base}/${used.id}/connect`, { container: containerId });
        const { status, body } = await admin.call('POST', `${base}/prune`, {
          label: `windflow.test.prune=${pruneLabel['windflow.test.prune']}`,
        });
        expect(status).toBe(200);
        expect(body.deleted).toEqual([unused.name]);
        expect((await admin.call('GET', `${base}/${used.id}`)).status).toBe(200);
        expect((await admin.call('GET', `${base}/${unused.id}`)).status).toBe(404);
      });
    });

    describe('access', () => {
      test('reading networks does not allow creating, connecting or removing', async () => {
        const network = await createNetwork();
        const { api: reader } = routesApp(
          (access) => networkRoutes({ access, environments: env.environments, clients: env.clients }),
          principalWith('networks:read'),
        );
        expect((await reader.call('GET', base)).status).toBe(200);
        for (const [method, path, body] of [
          ['POST', base, { name: env.name('forbidden') }],
          ['POST', `${base}/${network.id}/connect`, { container: containerId }],
          ['POST', `${base}/${network.id}/disconnect`, { container: containerId }],
          ['DELETE', `${base}/${network.id}`],
          ['POST', `${base}/prune`, {}],
        ] as const) {
          expect(await reader.call(method, path, body)).toMatchObject({
            status: 403,
            body: { code: 'FORBIDDEN' },
          });
        }
      });
    });

    /** An Ethernet interface of this host (the daemon is local) for the macvlan parent. */
    function hostInterface(): string {
      const candidates = readdirSync('/sys/class/net').filter(
        (name) =>
          name !== 'lo' &&
          !/^(docker|br-|veth)/.test(name) &&
          readFileSync(`/sys/class/net/${name}/type`, 'utf8').trim() === '1',
      );
      const parent = candidates.find(
        (name) => readFileSync(`/sys/class/net/${name}/operstate`, 'utf8').trim() === 'up',
      );
      if (!parent)
        throw new Error(`no Ethernet interface to use as a macvlan parent among ${candidates.join(', ')}`);
      return parent;
    }
  });
}
