// Alert rules (list, create, edit, delete, silence) and alerts (firing and past, acknowledge).
// Rules live on one environment or on all of them: managing a rule needs alerts:manage there (on
// every environment for an all-environments rule), and people see the rules and alerts of the
// environments they may read alerts on. Every change is audited by the audit trail.
import { Elysia, t } from 'elysia';
import { can, type Principal } from '../../auth/principal.ts';
import type { AlertEngine } from '../../monitoring/alerts/alert-engine.ts';
import {
  ALERT_KINDS,
  type AlertKind,
  type AlertRule,
  type AlertRuleParams,
  ENVIRONMENT_KINDS,
  KIND_PARAMS,
  PARAM_BOUNDS,
} from '../../monitoring/alerts/alert-rules.ts';
import { SEVERITIES } from '../../notifications/events.ts';
import type { AlertStore } from '../../store/alerts.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';
import { eventStreamResponse } from '../server-sent-events.ts';
import { requireEnvironment } from './environments.ts';

export interface AlertRouteDeps {
  access: AccessControl;
  alertStore: AlertStore;
  alerts: AlertEngine;
  environments: EnvironmentStore;
}

const tags = ['alerts'];
const failures = { 400: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const IdParams = t.Object({ id: t.Integer({ minimum: 1 }) });
const Kind = t.UnionEnum(ALERT_KINDS);
const Severity = t.UnionEnum(SEVERITIES);
/** Silences end within this: a forgotten silence must not hide a rule for good. */
const MAX_SILENCE_DAYS = 30;

const param = (name: keyof AlertRuleParams) => {
  const { min, max, label } = PARAM_BOUNDS[name];
  return t.Optional(t.Number({ minimum: min, maximum: max, description: label }));
};
const Params = t.Object(
  {
    threshold: param('threshold'),
    durationSeconds: param('durationSeconds'),
    margin: param('margin'),
    resolveAfterSeconds: param('resolveAfterSeconds'),
    restarts: param('restarts'),
    windowSeconds: param('windowSeconds'),
  },
  { additionalProperties: false },
);

export const AlertRuleSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    kind: Kind,
    environmentId: t.Nullable(t.Integer()),
    stack: t.Nullable(t.String()),
    container: t.Nullable(t.String()),
    severity: Severity,
    params: Params,
    enabled: t.Boolean(),
    silencedUntil: t.Nullable(t.String()),
    createdBy: t.String(),
    createdAt: t.String(),
    updatedAt: t.String(),
  },
  { title: 'AlertRule' },
);

export const AlertSchema = t.Object(
  {
    id: t.Integer(),
    ruleId: t.Nullable(t.Integer()),
    ruleName: t.String(),
    kind: Kind,
    severity: Severity,
    environmentId: t.Integer(),
    subject: t.String(),
    stack: t.Nullable(t.String()),
    state: t.Union([t.Literal('firing'), t.Literal('resolved')]),
    summary: t.String(),
    value: t.Nullable(t.Number()),
    firedAt: t.String(),
    resolvedAt: t.Nullable(t.String()),
    resolution: t.Nullable(t.String()),
    acknowledgedBy: t.Nullable(t.String()),
    acknowledgedAt: t.Nullable(t.String()),
  },
  { title: 'Alert' },
);

const ScopeName = t.Optional(
  t.Nullable(t.String({ maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$|^$' })),
);

const fields = {
  name: t.String({ minLength: 1, maxLength: 100, error: 'a name is 1-100 characters' }),
  environmentId: t.Optional(
    t.Nullable(t.Integer({ minimum: 1, description: 'null or absent: every environment' })),
  ),
  stack: ScopeName,
  container: ScopeName,
  severity: Severity,
  params: t.Optional(Params),
  enabled: t.Optional(t.Boolean()),
};

export function alertRoutes({ access, alertStore, alerts, environments }: AlertRouteDeps) {
  const where = (environmentId: number | null) =>
    environmentId === null ? ' on every environment' : ` on environment ${environmentId}`;
  const assertMay = async (principal: Principal | undefined, environmentId: number | null) => {
    if (environmentId !== null) await requireEnvironment(environments, environmentId);
    if (!principal || !can(principal, 'alerts:manage', environmentId ?? undefined))
      throw new HttpError(403, 'FORBIDDEN', `You need the alerts:manage permission${where(environmentId)}`);
  };
  const requireRule = async (id: number, principal: Principal | undefined) => {
    const rule = await alertStore.rule(id);
    if (!rule || !principal || !can(principal, 'alerts:read', rule.environmentId ?? undefined))
      throw new HttpError(404, 'ALERT_RULE_NOT_FOUND', `No alert rule ${id}`);
    return rule;
  };
  /** The environments whose alerts the caller may read: null for all of them. */
  const readable = async (principal: Principal | undefined): Promise<number[] | null> => {
    if (principal && can(principal, 'alerts:read')) return null;
    return (await environments.list())
      .filter((environment) => principal && can(principal, 'alerts:read', environment.id))
      .map((environment) => environment.id);
  };

  return new Elysia({ prefix: '/api/alerts' })
    .use(access)
    .get(
      '',
      async ({ query, principal }) =>
        alertStore.alerts({
          state: query.state,
          environmentIds: await readable(principal),
          limit: query.limit ?? 100,
          beforeId: query.beforeId,
        }),
      {
        access: 'alerts:read',
        query: t.Object({
          state: t.Optional(t.Union([t.Literal('firing'), t.Literal('resolved')])),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
          beforeId: t.Optional(
            t.Integer({ minimum: 1, description: 'page back: alerts older than this one' }),
          ),
        }),
        response: { 200: t.Array(AlertSchema), ...failures },
        detail: { summary: 'Alerts, newest first: firing ones and the history', tags },
      },
    )
    .get(
      '/live',
      async ({ principal }) => {
        const environmentIds = await readable(principal);
        return eventStreamResponse(async function* (signal) {
          for await (const alert of alerts.changes(signal))
            if (environmentIds === null || environmentIds.includes(alert.environmentId))
              yield { event: 'alert', data: alert };
        });
      },
      {
        access: 'alerts:read',
        detail: { summary: 'Server-sent events: each alert as it fires, resolves or is acknowledged', tags },
      },
    )
    .post(
      '/:id/acknowledge',
      async ({ params, principal }) => {
        const alert = await alertStore.alert(params.id);
        if (!alert || !principal || !can(principal, 'alerts:read', alert.environmentId))
          throw new HttpError(404, 'ALERT_NOT_FOUND', `No alert ${params.id}`);
        if (!can(principal, 'alerts:manage', alert.environmentId))
          throw new HttpError(
            403,
            'FORBIDDEN',
            `You need the alerts:manage permission${where(alert.environmentId)}`,
          );
        const acknowledged = await alertStore.acknowledge(params.id, principal.username);
        if (!acknowledged)
          throw new HttpError(409, 'ALERT_NOT_FIRING', 'Only a firing alert can be acknowledged');
        alerts.acknowledged(acknowledged);
        return acknowledged;
      },
      {
        access: 'alerts:manage',
        params: IdParams,
        response: { 200: AlertSchema, ...failures },
        detail: { summary: 'Acknowledge a firing alert: someone is on it', tags },
      },
    )
    .get(
      '/rules',
      async ({ principal }) =>
        (await alertStore.rules()).filter(
          (rule) => principal && can(principal, 'alerts:read', rule.environmentId ?? undefined),
        ),
      {
        access: 'alerts:read',
        response: { 200: t.Array(AlertRuleSchema) },
        detail: { summary: 'The alert rules the caller may see', tags },
      },
    )
    .post(
      '/rules',
      async ({ body, principal, set }) => {
        const environmentId = body.environmentId ?? null;
        await assertMay(principal, environmentId);
        assertCoherent(body.kind, body);
        const rule = await alertStore.createRule(body, principal?.username ?? '');
        await alerts.rulesChanged(rule.id);
        set.status = 201;
        return rule;
      },
      {
        access: 'alerts:manage',
        body: t.Object({ kind: Kind, ...fields }),
        response: { 201: AlertRuleSchema, ...failures },
        detail: { summary: 'Create an alert rule', tags },
      },
    )
    .patch(
      '/rules/:id',
      async ({ params, body, principal }) => {
        const current = await requireRule(params.id, principal);
        await assertMay(principal, current.environmentId);
        const next: AlertRule = {
          ...current,
          ...body,
          environmentId: body.environmentId === undefined ? current.environmentId : body.environmentId,
          stack: body.stack === undefined ? current.stack : body.stack || null,
          container: body.container === undefined ? current.container : body.container || null,
          params: body.params ?? current.params,
        };
        if (next.environmentId !== current.environmentId) await assertMay(principal, next.environmentId);
        assertCoherent(current.kind, { ...next, params: body.params });
        const updated = await alertStore.updateRule(params.id, next);
        if (!updated) throw new HttpError(404, 'ALERT_RULE_NOT_FOUND', `No alert rule ${params.id}`);
        await alerts.rulesChanged(updated.id);
        return updated;
      },
      {
        access: 'alerts:manage',
        params: IdParams,
        body: t.Partial(t.Object(fields)),
        response: { 200: AlertRuleSchema, ...failures },
        detail: { summary: 'Change an alert rule (its kind stays); its firing alerts resolve', tags },
      },
    )
    .delete(
      '/rules/:id',
      async ({ params, principal, set }) => {
        const current = await requireRule(params.id, principal);
        await assertMay(principal, current.environmentId);
        await alertStore.removeRule(params.id);
        await alerts.rulesChanged(params.id);
        set.status = 204;
      },
      {
        access: 'alerts:manage',
        params: IdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Delete an alert rule; its alerts stay in the history', tags },
      },
    )
    .post(
      '/rules/:id/silence',
      async ({ params, body, principal }) => {
        const current = await requireRule(params.id, principal);
        await assertMay(principal, current.environmentId);
        const until = body.until === null ? null : Date.parse(body.until);
        if (until !== null && (Number.isNaN(until) || until <= Date.now()))
          throw new HttpError(400, 'INVALID_SILENCE', 'A silence ends at a time in the future');
        if (until !== null && until > Date.now() + MAX_SILENCE_DAYS * 86_400_000)
          throw new HttpError(400, 'INVALID_SILENCE', `A silence lasts at most ${MAX_SILENCE_DAYS} days`);
        const rule = await alertStore.silenceRule(
          params.id,
          until === null ? null : new Date(until).toISOString(),
        );
        if (!rule) throw new HttpError(404, 'ALERT_RULE_NOT_FOUND', `No alert rule ${params.id}`);
        alerts.ruleSilenced(rule);
        return rule;
      },
      {
        access: 'alerts:manage',
        params: IdParams,
        body: t.Object({
          until: t.Nullable(t.String({ format: 'date-time', description: 'null ends the silence' })),
        }),
        response: { 200: AlertRuleSchema, ...failures },
        detail: { summary: 'Silence a rule until a time: its alerts are kept, nobody is told', tags },
      },
    );
}

/** What the schema cannot say: which fields and parameters a kind takes. */
function assertCoherent(
  kind: AlertKind,
  rule: { stack?: string | null; container?: string | null; params?: AlertRuleParams },
): void {
  if (ENVIRONMENT_KINDS.has(kind) && (rule.stack || rule.container))
    throw new HttpError(
      400,
      'INVALID_RULE',
      `A ${kind} rule is about an environment: it takes no stack or container`,
    );
  const unused = Object.keys(rule.params ?? {}).filter(
    (name) => !KIND_PARAMS[kind].includes(name as keyof AlertRuleParams),
  );
  if (unused.length > 0)
    throw new HttpError(400, 'INVALID_RULE', `A ${kind} rule does not take ${unused.join(', ')}`);
  const threshold = rule.params?.threshold;
  if (threshold !== undefined && kind !== 'cpu' && threshold > 100)
    throw new HttpError(400, 'INVALID_RULE', 'A memory or disk threshold is a percentage up to 100');
}
