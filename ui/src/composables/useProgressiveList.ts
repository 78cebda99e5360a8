import { computed, onBeforeUnmount, type Ref, ref, watch } from 'vue';

/**
 * A long list drawn a screenful first and the rest over the next frames, so the first rows show
 * without waiting for the browser to lay out hundreds. A hidden tab paints nothing, so it gets
 * the whole list at once.
 */
export function useProgressiveList<T>(items: Ref<readonly T[]>, first = 60, perFrame = 120) {
  const count = ref(first);
  let frame = 0;
  const grow = () => {
    frame = 0;
    const length = items.value.length;
    if (count.value >= length) return;
    if (document.visibilityState === 'hidden') {
      count.value = length;
      return;
    }
    count.value += perFrame;
    frame = requestAnimationFrame(grow);
  };
  watch(
    () => items.value.length,
    (length) => {
      if (length === 0) count.value = first;
      else if (count.value < length && frame === 0) frame = requestAnimationFrame(grow);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => cancelAnimationFrame(frame));
  return computed(() =>
    items.value.length <= count.value ? items.value : items.value.slice(0, count.value),
  );
}
