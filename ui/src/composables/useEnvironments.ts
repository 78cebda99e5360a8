import { computed, ref, watch } from 'vue';
import { api, type Environment } from '../api';
import { useAction } from './useLoad';

const STORAGE_KEY = 'windflow.environment';

const environments = ref<Environment[]>([]);
const { busy: loading, error, run } = useAction();
const loaded = ref(false);
const currentId = ref<number | undefined>(Number(localStorage.getItem(STORAGE_KEY)) || undefined);

watch(currentId, (id) =>
  id ? localStorage.setItem(STORAGE_KEY, String(id)) : localStorage.removeItem(STORAGE_KEY),
);

async function reload(): Promise<void> {
  await run(async () => {
    environments.value = await api.environments();
    loaded.value = true;
    if (!environments.value.some((environment) => environment.id === currentId.value)) {
      currentId.value = environments.value[0]?.id;
    }
  });
}

/**
 * The environments, shared by every page, and "the current environment": the one the switcher
 * shows, remembered across visits. Pages about one environment's resources read `current`.
 */
export function useEnvironments() {
  if (!loaded.value && !loading.value) void reload();
  return {
    environments,
    loading,
    loaded,
    error,
    reload,
    currentId,
    current: computed(() => environments.value.find((environment) => environment.id === currentId.value)),
  };
}
