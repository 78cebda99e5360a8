import { onMounted, type Ref, ref } from 'vue';
import { errorMessage } from '../api';
import { useAction } from './useLoad';

/**
 * A settings card's state: the settings loaded at mount, saved back whole, with the error of
 * either and a "saved" mark until the next save.
 */
export function useSettingsForm<T>(read: () => Promise<T>, write: (settings: T) => Promise<T>) {
  const settings = ref<T>() as Ref<T | undefined>;
  const { busy, error, run } = useAction();
  const saved = ref(false);

  async function load() {
    error.value = '';
    try {
      settings.value = await read();
    } catch (caught) {
      error.value = errorMessage(caught);
    }
  }

  async function save() {
    const current = settings.value;
    if (current === undefined) return;
    saved.value = false;
    await run(async () => {
      settings.value = await write(current);
      saved.value = true;
    });
  }

  onMounted(load);
  return { settings, busy, error, saved, save };
}
