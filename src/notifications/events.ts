// What other modules tell people about: the event types a channel can choose, their severities,
// and the event itself. Dependency-free, so the UI imports it too.

export const NOTIFICATION_EVENTS = [
  'update-available',
  'updated',
  'rolled-back',
  'scan-findings',
  'deploy-failed',
  'agent-offline',
  'alert',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

export const EVENT_LABELS: Record<NotificationEventType, string> = {
  'update-available': 'Update available',
  updated: 'Updated',
  'rolled-back': 'Rolled back',
  'scan-findings': 'Scan findings',
  'deploy-failed': 'Deploy failed',
  'agent-offline': 'Agent offline',
  alert: 'Alerts',
};

/** In rising order; a channel takes events at or above its minimum. */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface NotificationEvent {
  type: NotificationEventType;
  severity: Severity;
  /** One line: "web-1 updated to v2". */
  title: string;
  /** A few lines of plain text with the details. */
  message: string;
  /** The environment and object it is about, when there is one. */
  environment?: string;
  target?: string;
  /** Machine-readable details for webhook receivers. */
  data?: Record<string, unknown>;
  /** When it happened (ISO); now when omitted. */
  at?: string;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}
