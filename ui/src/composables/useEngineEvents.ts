import { onBeforeUnmount, type Ref, watch } from 'vue';
import { type EngineEvent, systemApi } from '../api-system';

const SETTLE_MS = 50;

/**
 * Keeps a view current from the Engine's events instead of polling: while the component lives,
 * follows the environment's events of these types and actions and calls `changed` once a burst of them
 * settles. The browser's EventSource reconnects by itself after a dropped connection.
 */
export function useEngineEvents(
  environmentId: Ref<number | undefined>,
  filters: { types: string[]; actions: string[] },
  changed: (events: EngineEvent[]) => void,
) {
  let source: EventSource | undefined;
  let pending: EngineEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const close = () => {
    source?.close();
    source = undefined;
    clearTimeout(timer);
    pending = [];
  };

  watch(
    environmentId,
    (id) => {
      close();
      if (id === undefined) return;
      const url = systemApi.eventsUrl(id, {
        type: filters.types.join(','),
        action: filters.actions.join(','),
        container: '',
      });
      source = new EventSource(url);
      source.onmessage = (message) => {
        pending.push(JSON.parse(message.data) as EngineEvent);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const burst = pending;
          pending = [];
          changed(burst);
        }, SETTLE_MS);
      };
    },
    { immediate: true },
  );
  onBeforeUnmount(close);
}
