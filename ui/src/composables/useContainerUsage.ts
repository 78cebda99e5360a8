import { onBeforeUnmount, type Ref, ref, watch } from 'vue';
import { containersApi, type Usage } from '../api-containers';

/**
 * CPU and memory of the environment's running containers, pushed by the server as it reads them
 * (an {id: usage} map each time). Containers without a reading are not running or not read yet.
 */
export function useContainerUsage(environmentId: Ref<number | undefined>) {
  const usage = ref<Record<string, Usage>>({});
  let source: EventSource | undefined;
  const close = () => {
    source?.close();
    source = undefined;
  };
  watch(
    environmentId,
    (id) => {
      close();
      usage.value = {};
      if (id === undefined) return;
      source = new EventSource(containersApi.usageUrl(id));
      source.onmessage = (message) => {
        usage.value = JSON.parse(message.data) as Record<string, Usage>;
      };
    },
    { immediate: true },
  );
  onBeforeUnmount(close);
  return usage;
}
