// Docker or Podman for an environment, asked once per environment and shared, so that forms
// can disable what Podman does not have (NOT_ON_PODMAN) and say why instead of failing.
import { type Ref, ref, watch } from 'vue';
import type { EngineKind } from '../../../src/docker/views.ts';
import { api } from '../api';

const known = new Map<number, Promise<EngineKind | undefined>>();

function kindOf(environmentId: number): Promise<EngineKind | undefined> {
  let asked = known.get(environmentId);
  if (!asked) {
    asked = api.environmentInfo(environmentId).then(
      (info) => info.engine.kind,
      () => {
        known.delete(environmentId); // unreachable now: ask again next time
        return undefined;
      },
    );
    known.set(environmentId, asked);
  }
  return asked;
}

/** The engine kind of the environment `environmentId` gives; undefined until known. */
export function useEngineKind(environmentId: () => number): Ref<EngineKind | undefined> {
  const kind = ref<EngineKind>();
  watch(
    environmentId,
    async (id) => {
      kind.value = undefined;
      const answer = await kindOf(id);
      if (environmentId() === id) kind.value = answer;
    },
    { immediate: true },
  );
  return kind;
}
