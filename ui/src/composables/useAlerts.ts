import { onBeforeUnmount, onMounted, ref } from 'vue';
import { ApiError, errorMessage } from '../api';
import { type Alert, alertsApi } from '../api-alerts';

/**
 * The newest alerts, kept current from the server's stream of alert changes instead of polling:
 * loaded once, then each fired, resolved or acknowledged alert replaces its row or joins the top.
 * The browser's EventSource reconnects by itself; a reconnection loads the list again.
 */
export function useAlerts(limit = 100) {
  const alerts = ref<Alert[]>();
  const error = ref('');
  /** The caller may not read alerts: a panel about them has nothing to show. */
  const forbidden = ref(false);
  let source: EventSource | undefined;

  const load = async () => {
    try {
      alerts.value = await alertsApi.alerts({ limit });
      error.value = '';
    } catch (caught) {
      forbidden.value = caught instanceof ApiError && caught.status === 403;
      error.value =
        caught instanceof ApiError && caught.status === 403
          ? 'You do not have permission to see alerts.'
          : errorMessage(caught);
    }
  };

  const apply = (alert: Alert) => {
    const list = alerts.value ?? [];
    const index = list.findIndex((each) => each.id === alert.id);
    if (index >= 0) list.splice(index, 1, alert);
    else alerts.value = [alert, ...list].slice(0, limit);
  };

  onMounted(() => {
    // Listen first, then load: nothing that changes in between is missed.
    source = new EventSource(alertsApi.liveUrl());
    let opened = false;
    source.onopen = () => {
      if (opened) void load();
      opened = true;
    };
    source.addEventListener('alert', (message) => apply(JSON.parse((message as MessageEvent).data) as Alert));
    void load().then(() => {
      if (forbidden.value) source?.close();
    });
  });
  onBeforeUnmount(() => source?.close());

  return { alerts, error, forbidden, reload: load, apply };
}
