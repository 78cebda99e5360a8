// Monitoring: a host's or a container's history for charts, the all-environments overview and
// the Engine's events history with its live stream.
import type {
  EngineEventRecord,
  MetricHistory,
  MonitoringOverview,
  RangeName,
} from '../../src/docker/views.ts';
import { call } from './api';

export type { EngineEventRecord, MetricHistory, MonitoringOverview, RangeName };

export const RANGES: { name: RangeName; label: string }[] = [
  { name: '15m', label: '15 min' },
  { name: '1h', label: '1 hour' },
  { name: '6h', label: '6 hours' },
  { name: '24h', label: '24 hours' },
  { name: '7d', label: '7 days' },
  { name: '30d', label: '30 days' },
];

export interface EventFilters {
  environmentId?: number;
  container?: string;
  stack?: string;
  type?: string;
  action?: string;
  q?: string;
  before?: number;
  limit?: number;
}

const queryOf = (filters: EventFilters) => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined && value !== '') query.set(key, String(value));
  return query;
};

export const monitoringApi = {
  host: (environmentId: number, range: RangeName) =>
    call<MetricHistory>('GET', `api/environments/${environmentId}/metrics/host?range=${range}`),
  container: (environmentId: number, name: string, range: RangeName) =>
    call<MetricHistory>(
      'GET',
      `api/environments/${environmentId}/metrics/containers/${encodeURIComponent(name)}?range=${range}`,
    ),
  overview: () => call<MonitoringOverview>('GET', 'api/monitoring/overview'),
  events: (filters: EventFilters) =>
    call<EngineEventRecord[]>('GET', `api/events/history?${queryOf(filters)}`),
  /** Server-sent `event` messages: each new event matching the filters (paging ignored). */
  liveUrl: ({ before: _before, limit: _limit, ...filters }: EventFilters) =>
    `api/events/live?${queryOf(filters)}`,
};
