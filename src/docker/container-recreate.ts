// Edit = recreate: the old container steps aside (renamed, stopped), the new one is created
// under the original name and started; if anything fails, the new one goes and the old one is
// put back as it was. Only a successful recreate removes the old container.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { recreatePlan } from './container-spec.ts';
import { type AuthorizePlan, connectNetworks, ensureImage, startContainer } from './containers.ts';
import type { RegistryAuth } from './image-reference.ts';
import type { ContainerSpec } from './views.ts';

export interface RecreateSteps {
  /** Runs after the new container is created and before it starts; tests use it to fail midway. */
  beforeStart?: (newId: string) => Promise<void>;
}

/** Returns the new container's id. */
export async function recreateContainer(
  client: DockerClient,
  id: string,
  spec: ContainerSpec,
  options: { auth?: RegistryAuth; authorize?: AuthorizePlan } & RecreateSteps = {},
): Promise<string> {
  const old = await client.inspectContainer(id);
  const name = spec.name || old.Name.replace(/^\//, '');
  const plan = recreatePlan(old, { ...spec, name });
  await options.authorize?.(plan.config);
  await ensureImage(client, spec.image, options.auth);
  const wasRunning = old.State.Running;
  const originalName = old.Name.replace(/^\//, '');
  const asideName = `${originalName}-windflow-old-${old.Id.slice(0, 8)}`;

  await client.request('POST', `/containers/${old.Id}/rename`, { query: { name: asideName } });
  let newId: string | undefined;
  try {
    if (wasRunning) await client.stopContainer(old.Id);
    newId = (await client.createContainer(plan.config, name)).Id;
    await connectNetworks(client, newId, plan.extraNetworks);
    await options.beforeStart?.(newId);
    if (wasRunning) await startContainer(client, newId);
  } catch (error) {
    await restore(client, { oldId: old.Id, originalName, wasRunning, newId });
    if (error instanceof HttpError) {
      throw new HttpError(error.status, error.code, `${error.message}. The original container was restored.`);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(
      409,
      'RECREATE_FAILED',
      `The new container could not be started: ${reason}. The original container was restored.`,
    );
  }
  await client.removeContainer(old.Id, { force: true });
  return newId;
}

async function restore(
  client: DockerClient,
  state: { oldId: string; originalName: string; wasRunning: boolean; newId?: string },
): Promise<void> {
  if (state.newId) await client.removeContainer(state.newId, { force: true }).catch(() => {});
  await client.request('POST', `/containers/${state.oldId}/rename`, { query: { name: state.originalName } });
  if (state.wasRunning) await client.startContainer(state.oldId);
}
