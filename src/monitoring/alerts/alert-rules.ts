// What an alert rule watches and what an alert is, in the shape the API answers with them.
// Dependency-free (but for severities), so the UI imports these too, for its form and its lists.
import type { Severity } from '../../notifications/events.ts';

export const ALERT_KINDS = [
  'container-exited',
  'container-unhealthy',
  'restart-loop',
  'cpu',
  'memory',
  'host-disk',
  'environment-unreachable',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Kinds about the environment (its host or its link), which take no stack or container. */
export const ENVIRONMENT_KINDS: ReadonlySet<AlertKind> = new Set(['host-disk', 'environment-unreachable']);
/** Kinds measured against a threshold in the monitoring readings. */
export const THRESHOLD_KINDS: ReadonlySet<AlertKind> = new Set(['cpu', 'memory', 'host-disk']);

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  'container-exited': 'Container stopped unexpectedly',
  'container-unhealthy': 'Container unhealthy',
  'restart-loop': 'Restart loop',
  cpu: 'CPU above a threshold',
  memory: 'Memory above a threshold',
  'host-disk': 'Host disk above a threshold',
  'environment-unreachable': 'Environment or agent unreachable',
};

/** Every field a kind may use; which ones it reads is in KIND_PARAMS. */
export interface AlertRuleParams {
  /** cpu: percent of one core (as `docker stats`); memory: percent of the limit; host-disk: percent used. */
  threshold?: number;
  /** How long a condition must hold before the alert fires (thresholds, unreachable). */
  durationSeconds?: number;
  /** How far below the threshold (in points) a reading must be for the alert to resolve. */
  margin?: number;
  /** How long things must be well again before the alert resolves. */
  resolveAfterSeconds?: number;
  /** restart-loop: this many restarts ... */
  restarts?: number;
  /** ... within this window. The alert resolves after a whole window without a restart. */
  windowSeconds?: number;
}

export type AlertParamName = keyof AlertRuleParams;

export const KIND_PARAMS: Record<AlertKind, AlertParamName[]> = {
  'container-exited': ['resolveAfterSeconds'],
  'container-unhealthy': [],
  'restart-loop': ['restarts', 'windowSeconds'],
  cpu: ['threshold', 'durationSeconds', 'margin', 'resolveAfterSeconds'],
  memory: ['threshold', 'durationSeconds', 'margin', 'resolveAfterSeconds'],
  'host-disk': ['threshold', 'durationSeconds', 'margin', 'resolveAfterSeconds'],
  'environment-unreachable': ['durationSeconds', 'resolveAfterSeconds'],
};

export const PARAM_DEFAULTS: Record<AlertKind, AlertRuleParams> = {
  'container-exited': { resolveAfterSeconds: 30 },
  'container-unhealthy': {},
  'restart-loop': { restarts: 3, windowSeconds: 600 },
  cpu: { threshold: 90, durationSeconds: 300, margin: 10, resolveAfterSeconds: 120 },
  memory: { threshold: 90, durationSeconds: 300, margin: 5, resolveAfterSeconds: 120 },
  'host-disk': { threshold: 90, durationSeconds: 0, margin: 3, resolveAfterSeconds: 300 },
  'environment-unreachable': { durationSeconds: 60, resolveAfterSeconds: 30 },
};

/** Bounds each parameter must keep, for the API's schema and the UI's form alike. */
export const PARAM_BOUNDS: Record<AlertParamName, { min: number; max: number; label: string }> = {
  threshold: { min: 1, max: 10_000, label: 'Threshold (%)' },
  durationSeconds: { min: 0, max: 86_400, label: 'For at least (seconds)' },
  margin: { min: 0, max: 100, label: 'Resolve margin (points)' },
  resolveAfterSeconds: { min: 0, max: 86_400, label: 'Resolve after (seconds)' },
  restarts: { min: 2, max: 1_000, label: 'Restarts' },
  windowSeconds: { min: 10, max: 86_400, label: 'Within (seconds)' },
};

export interface AlertRule {
  id: number;
  name: string;
  kind: AlertKind;
  /** null: every environment. */
  environmentId: number | null;
  /** A Compose project: only its containers. */
  stack: string | null;
  /** A container name: only that container. */
  container: string | null;
  severity: Severity;
  /** With the kind's defaults filled in. */
  params: AlertRuleParams;
  enabled: boolean;
  /** Until then the rule's alerts are kept but nobody is told. */
  silencedUntil: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface AlertRuleInput {
  name: string;
  kind: AlertKind;
  environmentId?: number | null;
  stack?: string | null;
  container?: string | null;
  severity: Severity;
  params?: AlertRuleParams;
  enabled?: boolean;
}

export type AlertState = 'firing' | 'resolved';

/** One episode of a rule's condition on one subject: fired, then (perhaps) resolved. */
export interface Alert {
  id: number;
  /** null once the rule is deleted; the alert stays in the history. */
  ruleId: number | null;
  ruleName: string;
  kind: AlertKind;
  severity: Severity;
  environmentId: number;
  /** The container's name, or '' for the environment itself. */
  subject: string;
  stack: string | null;
  state: AlertState;
  summary: string;
  /** The reading that fired a threshold alert. */
  value: number | null;
  firedAt: string;
  resolvedAt: string | null;
  resolution: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/** The kind's defaults under what the rule sets, keeping only the parameters the kind reads. */
export function effectiveParams(kind: AlertKind, params: AlertRuleParams = {}): AlertRuleParams {
  const merged: AlertRuleParams = { ...PARAM_DEFAULTS[kind] };
  for (const name of KIND_PARAMS[kind]) if (params[name] !== undefined) merged[name] = params[name];
  return merged;
}
