// The host-access gate as routes (and the Compose engine) apply it to a caller: the create body's
// host powers under the environment's policy, with the containers it shares looked up first;
// refused with 403 HOST_ACCESS_REQUIRED unless the caller holds host:access there.
import { can, type Principal } from '../auth/principal.ts';
import type { DockerClient } from '../docker/client.ts';
import {
  assertHostAccess,
  type EngineCreateBody,
  type HostPower,
  hostPowers,
  type JoinedContainer,
  joinedContainers,
  normalizeHostPath,
  volumePowers,
} from '../docker/host-powers.ts';
import type { Environment, HostAccessPolicy } from '../store/records.ts';
import { HttpError } from './errors.ts';

/** Whether the caller holds host:access on the environment (or everywhere, for undefined). */
export function hasHostAccess(principal: Principal | undefined, environmentId?: number): boolean {
  return principal !== undefined && can(principal, 'host:access', environmentId);
}

/** Refuses a create body that asks for host powers the caller may not use on the environment. */
export async function authorizeCreateBody(
  principal: Principal | undefined,
  environment: Environment,
  client: DockerClient,
  body: EngineCreateBody,
): Promise<void> {
  if (hasHostAccess(principal, environment.id)) return;
  const joined = new Map<string, JoinedContainer>();
  for (const name of joinedContainers(body)) {
    const other = await client.inspectContainer(name).catch(() => undefined);
    if (other) joined.set(name, other as JoinedContainer);
  }
  assertHostAccess(
    hostPowersOn(environment, await withoutDaemonDefaults(client, body), joined),
    false,
    environment.id,
  );
}

/**
 * A daemon on cgroup v1 gives every container the host's cgroup namespace, and its inspect says
 * so: a recreate body built from that inspect asks for nothing the daemon would not give anyway.
 */
async function withoutDaemonDefaults(
  client: DockerClient,
  body: EngineCreateBody,
): Promise<EngineCreateBody> {
  if (body.HostConfig?.CgroupnsMode !== 'host') return body;
  const info = (await client.info()) as { CgroupVersion?: string };
  if (info.CgroupVersion !== '1') return body;
  const { CgroupnsMode: _, ...hostConfig } = body.HostConfig;
  return { ...body, HostConfig: hostConfig };
}

/** Refuses a local volume over a host path or device the caller may not use on the environment. */
export function authorizeVolume(
  principal: Principal | undefined,
  environment: Environment,
  driver: string,
  options: Record<string, string>,
): void {
  const powers = volumePowers(driver, options, environment.hostPolicy, socketsOf(environment));
  assertHostAccess(powers, hasHostAccess(principal, environment.id), environment.id);
}

/** The host powers a body asks for on this environment, its own socket counted as the Docker socket. */
export function hostPowersOn(
  environment: Environment,
  body: EngineCreateBody,
  joined: ReadonlyMap<string, JoinedContainer> = new Map(),
): HostPower[] {
  return hostPowers(body, environment.hostPolicy, {
    joined,
    dockerSockets: socketsOf(environment),
  });
}

const socketsOf = (environment: Environment) =>
  environment.type === 'local-socket' ? [environment.address] : [];

/** Opening host powers to others is itself a host power: only holders of host:access may. */
export function assertMayChangeHostPolicy(
  principal: Principal | undefined,
  environmentId: number | undefined,
): void {
  if (hasHostAccess(principal, environmentId)) return;
  const where = environmentId === undefined ? ' on every environment' : ` on environment ${environmentId}`;
  throw new HttpError(
    403,
    'HOST_ACCESS_REQUIRED',
    `You need the host:access permission${where} to change which host paths and powers others may use`,
  );
}

/** The policy as stored: paths normalised, without repeats. */
export function normalizeHostPolicy(policy: HostAccessPolicy): HostAccessPolicy {
  return {
    allowedBindPaths: [...new Set(policy.allowedBindPaths.map(normalizeHostPath))],
    openPowers: [...new Set(policy.openPowers)],
  };
}

export function samePolicy(a: HostAccessPolicy, b: HostAccessPolicy): boolean {
  const key = (policy: HostAccessPolicy) => {
    const normal = normalizeHostPolicy(policy);
    return JSON.stringify([normal.allowedBindPaths.sort(), normal.openPowers.sort()]);
  };
  return key(a) === key(b);
}
