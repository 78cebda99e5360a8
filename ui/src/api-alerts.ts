// Alert rules and alerts: what the Alerts page and the dashboard's recent alerts show.
import type { Alert, AlertRule, AlertRuleInput } from '../../src/monitoring/alerts/alert-rules.ts';
import { call } from './api';

export type { Alert, AlertRule, AlertRuleInput };

const rule = (id: number) => `api/alerts/rules/${id}`;

export const alertsApi = {
  rules: () => call<AlertRule[]>('GET', 'api/alerts/rules'),
  createRule: (input: AlertRuleInput) => call<AlertRule>('POST', 'api/alerts/rules', input),
  updateRule: (id: number, input: Partial<Omit<AlertRuleInput, 'kind'>>) =>
    call<AlertRule>('PATCH', rule(id), input),
  removeRule: (id: number) => call<void>('DELETE', rule(id)),
  /** `until` null ends the silence. */
  silence: (id: number, until: string | null) => call<AlertRule>('POST', `${rule(id)}/silence`, { until }),
  alerts: (query: { state?: 'firing' | 'resolved'; limit?: number } = {}) => {
    const search = new URLSearchParams(
      Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
    ).toString();
    return call<Alert[]>('GET', `api/alerts${search ? `?${search}` : ''}`);
  },
  acknowledge: (id: number) => call<Alert>('POST', `api/alerts/${id}/acknowledge`),
  /** Server-sent events: each alert as it fires, resolves or is acknowledged. */
  liveUrl: () => 'api/alerts/live',
};
