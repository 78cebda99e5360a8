import { onBeforeUnmount, type Ref, ref, watch } from 'vue';
import { containersApi, type Usage } from '../api-containers';

/**
 * CPU and memory of the environment's running containers, pushed by the server as it reads them
 * (an {id: usage} map each time). Containers without a reading are not running or not read yet.
 * A hidden tab stops listening, so the server's reading loop can stop when nobody looks.
 */
export function useContainerUsage(environmentId: Ref<number | undefined>) {
  const usage = ref<Record<string, Usage>>({});
  let source: EventSource | undefined;

  const close = () => {
    source?.close();
    source = undefined;
  };
  const open = () => {
    close();
    const id = environmentId.value;
    if (id === undefined || document.visibilityState !== 'visible') return;
    source = new EventSource(containersApi.usageUrl(id));
    source.onmessage = (message) => {
      usage.value = JSON.parse(message.data) as Record<string, Usage>;
    };
  };
  const followVisibility = () => (document.visibilityState === 'visible' ? open() : close());

  watch(
    environmentId,
    () => {
      usage.value = {};
      open();
    },
    { immediate: true },
  );
  document.addEventListener('visibilitychange', followVisibility);
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', followVisibility);
    close();
  });
  return usage;
}
