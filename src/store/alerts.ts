// Alert rules, and every alert they raised: one row per episode (fired, then resolved), so the
// same table answers "what is firing now" and "what happened last week". An alert keeps its
// rule's name, kind and severity, so the history outlives a deleted rule.
import {
  type Alert,
  type AlertKind,
  type AlertRule,
  type AlertRuleInput,
  type AlertState,
  effectiveParams,
} from '../monitoring/alerts/alert-rules.ts';
import type { Severity } from '../notifications/events.ts';
import type { Database } from './database.ts';

interface RuleRow {
  id: number;
  name: string;
  kind: AlertKind;
  environment_id: number | null;
  stack: string | null;
  container: string | null;
  severity: Severity;
  params: string;
  enabled: number;
  silenced_until: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

interface AlertRow {
  id: number;
  rule_id: number | null;
  rule_name: string;
  kind: AlertKind;
  severity: Severity;
  environment_id: number;
  subject: string;
  stack: string | null;
  state: AlertState;
  summary: string;
  value: number | null;
  notified: number;
  fired_at: string;
  resolved_at: string | null;
  resolution: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface NewAlert {
  rule: AlertRule;
  environmentId: number;
  subject: string;
  stack: string | null;
  summary: string;
  value: number | null;
  notified: boolean;
  firedAt: string;
}

/** A firing alert as the engine keeps it: with whether anyone was told it fired. */
export interface StoredAlert extends Alert {
  notified: boolean;
}

export interface AlertQuery {
  state?: AlertState;
  environmentIds?: number[] | null;
  limit?: number;
  /** Only alerts fired before this id (paging back through the history). */
  beforeId?: number;
}

export class AlertStore {
  constructor(private readonly db: Database) {}

  async rules(): Promise<AlertRule[]> {
    return (await this.db.all<RuleRow>('SELECT * FROM alert_rules ORDER BY name, id')).map(toRule);
  }

  async rule(id: number): Promise<AlertRule | undefined> {
    const row = await this.db.get<RuleRow>('SELECT * FROM alert_rules WHERE id = ?', [id]);
    return row && toRule(row);
  }

  async createRule(input: AlertRuleInput, createdBy: string): Promise<AlertRule> {
    const now = new Date().toISOString();
    const row = await this.db.get<RuleRow>(
      `INSERT INTO alert_rules (name, kind, environment_id, stack, container, severity, params, enabled, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        input.name,
        input.kind,
        input.environmentId ?? null,
        input.stack || null,
        input.container || null,
        input.severity,
        JSON.stringify(effectiveParams(input.kind, input.params)),
        input.enabled === false ? 0 : 1,
        createdBy,
        now,
        now,
      ],
    );
    return toRule(row as RuleRow);
  }

  /** Replaces the rule's definition (the kind stays); its silence is kept. */
  async updateRule(id: number, next: AlertRule): Promise<AlertRule | undefined> {
    const row = await this.db.get<RuleRow>(
      `UPDATE alert_rules SET name = ?, environment_id = ?, stack = ?, container = ?, severity = ?, params = ?,
         enabled = ?, updated_at = ? WHERE id = ? RETURNING *`,
      [
        next.name,
        next.environmentId,
        next.stack || null,
        next.container || null,
        next.severity,
        JSON.stringify(effectiveParams(next.kind, next.params)),
        next.enabled ? 1 : 0,
        new Date().toISOString(),
        id,
      ],
    );
    return row && toRule(row);
  }

  async silenceRule(id: number, until: string | null): Promise<AlertRule | undefined> {
    const row = await this.db.get<RuleRow>(
      'UPDATE alert_rules SET silenced_until = ? WHERE id = ? RETURNING *',
      [until, id],
    );
    return row && toRule(row);
  }

  async removeRule(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM alert_rules WHERE id = ?', [id])).changes > 0;
  }

  async addAlert(alert: NewAlert): Promise<StoredAlert> {
    const row = await this.db.get<AlertRow>(
      `INSERT INTO alerts (rule_id, rule_name, kind, severity, environment_id, subject, stack, state, summary, value, notified, fired_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?, ?) RETURNING *`,
      [
        alert.rule.id,
        alert.rule.name,
        alert.rule.kind,
        alert.rule.severity,
        alert.environmentId,
        alert.subject,
        alert.stack,
        alert.summary.slice(0, 1000),
        alert.value,
        alert.notified ? 1 : 0,
        alert.firedAt,
      ],
    );
    return toStoredAlert(row as AlertRow);
  }

  async resolve(id: number, resolution: string, at: string): Promise<StoredAlert | undefined> {
    const row = await this.db.get<AlertRow>(
      `UPDATE alerts SET state = 'resolved', resolved_at = ?, resolution = ? WHERE id = ? AND state = 'firing' RETURNING *`,
      [at, resolution.slice(0, 1000), id],
    );
    return row && toStoredAlert(row);
  }

  async acknowledge(id: number, by: string): Promise<Alert | undefined> {
    const row = await this.db.get<AlertRow>(
      `UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND state = 'firing' RETURNING *`,
      [by, new Date().toISOString(), id],
    );
    return row && toAlert(row);
  }

  async alert(id: number): Promise<Alert | undefined> {
    const row = await this.db.get<AlertRow>('SELECT * FROM alerts WHERE id = ?', [id]);
    return row && toAlert(row);
  }

  /** Every firing alert, for the engine to carry on from after a restart. */
  async firing(): Promise<StoredAlert[]> {
    return (await this.db.all<AlertRow>("SELECT * FROM alerts WHERE state = 'firing' ORDER BY id")).map(
      toStoredAlert,
    );
  }

  /** Newest first. `environmentIds` null: every environment. */
  async alerts({ state, environmentIds = null, limit = 100, beforeId }: AlertQuery = {}): Promise<Alert[]> {
    if (environmentIds?.length === 0) return [];
    const where: string[] = [];
    const params: unknown[] = [];
    if (state) {
      where.push('state = ?');
      params.push(state);
    }
    if (environmentIds) {
      where.push(`environment_id IN (${environmentIds.map(() => '?').join(', ')})`);
      params.push(...environmentIds);
    }
    if (beforeId) {
      where.push('id < ?');
      params.push(beforeId);
    }
    const rows = await this.db.all<AlertRow>(
      `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toAlert);
  }

  /** Resolved alerts older than this go. */
  async purgeResolvedBefore(before: Date): Promise<number> {
    return (
      await this.db.run("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?", [
        before.toISOString(),
      ])
    ).changes;
  }
}

function toRule(row: RuleRow): AlertRule {
  return {
    id: Number(row.id),
    name: row.name,
    kind: row.kind,
    environmentId: row.environment_id === null ? null : Number(row.environment_id),
    stack: row.stack,
    container: row.container,
    severity: row.severity,
    params: effectiveParams(row.kind, JSON.parse(row.params)),
    enabled: Boolean(row.enabled),
    silencedUntil: row.silenced_until,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAlert(row: AlertRow): Alert {
  return {
    id: Number(row.id),
    ruleId: row.rule_id === null ? null : Number(row.rule_id),
    ruleName: row.rule_name,
    kind: row.kind,
    severity: row.severity,
    environmentId: Number(row.environment_id),
    subject: row.subject,
    stack: row.stack,
    state: row.state,
    summary: row.summary,
    value: row.value === null ? null : Number(row.value),
    firedAt: row.fired_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at,
  };
}

function toStoredAlert(row: AlertRow): StoredAlert {
  return { ...toAlert(row), notified: Boolean(row.notified) };
}
