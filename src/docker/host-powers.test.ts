// The host-power gate on Engine create bodies: each way of reaching the host is named, the
// environment's policy opens only what it lists, and the Docker socket is never opened.
import { describe, expect, test } from 'bun:test';
import { HttpError } from '../http/errors.ts';
import {
  assertHostAccess,
  CLOSED_HOST_POLICY,
  type HostAccessPolicy,
  hostPowers,
  joinedContainers,
  volumePowers,
} from './host-powers.ts';

const kinds = (hostConfig: Record<string, unknown>, policy: HostAccessPolicy = CLOSED_HOST_POLICY) =>
  hostPowers({ Image: 'x', HostConfig: hostConfig }, policy).map((power) => power.kind);

describe('hostPowers', () => {
  test('a plain container asks for nothing', () => {
    expect(
      kinds({
        Binds: ['data:/data', 'other:/x:ro'],
        Mounts: [
          { Type: 'volume', Source: 'v', Target: '/v' },
          { Type: 'tmpfs', Target: '/t' },
        ],
        NetworkMode: 'bridge',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true', 'label=level:s0:c100'],
        Privileged: false,
        CapAdd: [],
        Devices: [],
        PidMode: '',
      }),
    ).toEqual([]);
  });

  test.each([
    [{ Binds: ['/:/host'] }, 'docker-socket', '(/ holds /var/run/docker.sock)'],
    [{ Binds: ['/home:/host'] }, 'bind-mount', 'bind-mounts /home (outside the allowed host paths)'],
    [{ Binds: ['/etc:/x:rw,z'] }, 'bind-mount', 'bind-mounts /etc'],
    [{ Mounts: [{ Type: 'bind', Source: '/srv/../etc', Target: '/x' }] }, 'bind-mount', 'bind-mounts /etc'],
    [{ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }, 'docker-socket', 'mounts the Docker socket'],
    [{ Binds: ['/run:/r'] }, 'docker-socket', '/run holds /run/docker.sock'],
    [{ Privileged: true }, 'privileged', 'runs privileged'],
    [{ CapAdd: ['ALL'] }, 'capabilities', 'adds the capabilities ALL'],
    [{ CapAdd: ['NET_ADMIN'] }, 'capabilities', 'NET_ADMIN'],
    [{ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda' }] }, 'devices', '/dev/sda'],
    [{ DeviceRequests: [{ Count: -1, Capabilities: [['gpu']] }] }, 'devices', 'device request'],
    [{ DeviceCgroupRules: ['c 1:3 mr'] }, 'devices', 'c 1:3 mr'],
    [{ NetworkMode: 'host' }, 'host-namespaces', "host's network namespace"],
    [{ PidMode: 'host' }, 'host-namespaces', "host's PID namespace"],
    [{ IpcMode: 'host' }, 'host-namespaces', "host's IPC namespace"],
    [{ UTSMode: 'host' }, 'host-namespaces', "host's UTS namespace"],
    [{ UsernsMode: 'host' }, 'host-namespaces', "host's user namespace"],
    [{ SecurityOpt: ['seccomp=unconfined'] }, 'security-options', 'seccomp=unconfined'],
    [{ SecurityOpt: ['apparmor:unconfined'] }, 'security-options', 'apparmor:unconfined'],
    [{ SecurityOpt: ['label=disable'] }, 'security-options', 'label=disable'],
    [{ SecurityOpt: ['systempaths=unconfined'] }, 'security-options', 'systempaths'],
    [{ MaskedPaths: [] }, 'security-options', 'unmasks'],
    [
      {
        Mounts: [
          {
            Type: 'volume',
            Target: '/x',
            VolumeOptions: {
              DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/etc' } },
            },
          },
        ],
      },
      'bind-mount',
      "through a volume's driver options",
    ],
    [{ NetworkMode: 'container:other' }, 'shared-container', 'could not be checked'],
    [{ VolumesFrom: ['other:ro'] }, 'shared-container', 'container other'],
  ])('%j asks for %s', (hostConfig, kind, reason) => {
    const powers = hostPowers({ HostConfig: hostConfig }, CLOSED_HOST_POLICY);
    expect(powers.map((power) => power.kind)).toEqual([kind as never]);
    expect(powers[0]?.reason).toContain(reason);
  });

  test('the allow-list opens host paths below it, never the Docker socket nor a way out by ..', () => {
    const policy: HostAccessPolicy = { allowedBindPaths: ['/srv/apps/', '/var/run'], openPowers: [] };
    expect(kinds({ Binds: ['/srv/apps:/a', '/srv/apps/web/data:/d:ro'] }, policy)).toEqual([]);
    expect(kinds({ Binds: ['/srv/apps-old:/a'] }, policy)).toEqual(['bind-mount']);
    expect(kinds({ Binds: ['/srv/apps/../../etc:/a'] }, policy)).toEqual(['bind-mount']);
    expect(kinds({ Binds: ['/var/run/docker.sock:/s'] }, policy)).toEqual(['docker-socket']);
    expect(kinds({ Binds: ['/var/run:/s'] }, policy)).toEqual(['docker-socket']);
    expect(kinds({ Binds: ['/:/host'] }, { allowedBindPaths: ['/'], openPowers: [] })).toEqual([
      'docker-socket',
    ]);
    expect(
      hostPowers({ HostConfig: { Binds: ['/opt/engine/api.sock:/s'] } }, policy, {
        dockerSockets: ['/opt/engine/api.sock'],
      }).map((power) => power.kind),
    ).toEqual(['docker-socket']);
  });

  test("the policy's toggles open only their own power", () => {
    const policy: HostAccessPolicy = { allowedBindPaths: [], openPowers: ['capabilities', 'devices'] };
    expect(kinds({ CapAdd: ['NET_ADMIN'], Devices: [{ PathOnHost: '/dev/fuse' }] }, policy)).toEqual([]);
    expect(kinds({ CapAdd: ['NET_ADMIN'], Privileged: true, NetworkMode: 'host' }, policy)).toEqual([
      'privileged',
      'host-namespaces',
    ]);
  });

  test("a shared container's own host powers are the body's", () => {
    const joined = new Map([
      ['root', { HostConfig: { Privileged: true, NetworkMode: 'host' }, Mounts: [] }],
      [
        'plain',
        { HostConfig: { NetworkMode: 'bridge' }, Mounts: [{ Type: 'volume', Source: '/var/lib/x' }] },
      ],
      ['binder', { HostConfig: {}, Mounts: [{ Type: 'bind', Source: '/' }] }],
    ]);
    const of = (hostConfig: Record<string, unknown>) =>
      hostPowers({ HostConfig: hostConfig }, CLOSED_HOST_POLICY, { joined }).map((power) => power.reason);
    expect(of({ NetworkMode: 'container:plain', VolumesFrom: ['plain'] })).toEqual([]);
    expect(of({ PidMode: 'container:root' })).toEqual([
      'shares container root, which runs privileged',
      "shares container root, which shares the host's network namespace",
    ]);
    expect(of({ VolumesFrom: ['binder:rw'] })).toEqual([
      'shares container binder, which mounts the Docker socket (/ holds /var/run/docker.sock)',
    ]);
    expect(
      joinedContainers({
        HostConfig: { NetworkMode: 'container:a', IpcMode: 'container:b', VolumesFrom: ['a:ro'] },
      }),
    ).toEqual(['a', 'b']);
  });
});

describe('volumePowers', () => {
  test('a local volume over a host path or a device is a host power; NFS is not', () => {
    expect(volumePowers('local', {}, CLOSED_HOST_POLICY)).toEqual([]);
    expect(
      volumePowers('local', { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' }, CLOSED_HOST_POLICY),
    ).toEqual([]);
    expect(
      volumePowers('local', { type: 'none', o: 'bind', device: '/etc' }, CLOSED_HOST_POLICY)[0]?.kind,
    ).toBe('bind-mount');
    expect(
      volumePowers(
        'local',
        { type: 'none', o: 'bind', device: '/srv/x' },
        { allowedBindPaths: ['/srv'], openPowers: [] },
      ),
    ).toEqual([]);
    expect(volumePowers('local', { type: 'ext4', device: '/dev/sdb1' }, CLOSED_HOST_POLICY)[0]?.kind).toBe(
      'devices',
    );
  });
});

test('assertHostAccess refuses with HOST_ACCESS_REQUIRED naming what was asked', () => {
  const powers = hostPowers({ HostConfig: { Privileged: true, Binds: ['/etc:/e'] } }, CLOSED_HOST_POLICY);
  expect(() => assertHostAccess(powers, true, 3)).not.toThrow();
  expect(() => assertHostAccess([], false, 3)).not.toThrow();
  let refusal: unknown;
  try {
    assertHostAccess(powers, false, 3);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(HttpError);
  expect((refusal as HttpError).status).toBe(403);
  expect((refusal as HttpError).code).toBe('HOST_ACCESS_REQUIRED');
  expect((refusal as HttpError).message).toContain('host:access permission on environment 3');
  expect((refusal as HttpError).message).toContain('bind-mounts /etc');
  expect((refusal as HttpError).message).toContain('runs privileged');
});
