import { onMounted, type Ref, ref } from 'vue';
import { ApiError, errorMessage } from '../api';

/** Loads data for a page section with loading and error state; a 403 reads as a permission message. */
export function useLoad<T>(load: () => Promise<T>) {
  const data = ref<T>() as Ref<T | undefined>;
  const error = ref('');
  const loading = ref(false);
  const reload = async () => {
    loading.value = true;
    error.value = '';
    try {
      data.value = await load();
    } catch (caught) {
      error.value =
        caught instanceof ApiError && caught.status === 403
          ? 'You do not have permission to see this.'
          : errorMessage(caught);
    } finally {
      loading.value = false;
    }
  };
  onMounted(reload);
  return { data, error, loading, reload };
}

/** Runs an action, keeping its error message for the person to read. */
export function useAction() {
  const busy = ref(false);
  const error = ref('');
  return {
    busy,
    error,
    async run(action: () => Promise<unknown>): Promise<boolean> {
      busy.value = true;
      error.value = '';
      try {
        await action();
        return true;
      } catch (caught) {
        error.value = errorMessage(caught);
        return false;
      } finally {
        busy.value = false;
      }
    },
  };
}
