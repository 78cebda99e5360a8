// Schedules: list (with the registered kinds), create, edit, delete and "run now". Editing a
// schedule needs schedules:manage and, on its environment, what its kind's work needs, so a
// schedule can never do more than the person who set it up may do.
import { Elysia, t } from 'elysia';
import { can, type Principal } from '../../auth/principal.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { ScheduleStore } from '../../store/schedules.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface ScheduleRouteDeps {
  access: AccessControl;
  scheduler: Scheduler;
  schedules: ScheduleStore;
  environments: EnvironmentStore;
}

const tags = ['schedules'];
const failures = { 400: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const IdParams = t.Object({ id: t.Integer({ minimum: 1 }) });

export const ScheduleSchema = t.Object(
  {
    id: t.Integer(),
    kind: t.String(),
    name: t.String(),
    cron: t.String(),
    timezone: t.String(),
    enabled: t.Boolean(),
    environmentId: t.Nullable(t.Integer()),
    options: t.Record(t.String(), t.Unknown()),
    nextRunAt: t.Nullable(t.String()),
    lastRunAt: t.Nullable(t.String()),
    lastStatus: t.Nullable(t.String()),
    lastSummary: t.Nullable(t.String()),
    lastDurationMs: t.Nullable(t.Number()),
    runningSince: t.Nullable(t.String()),
    createdAt: t.String(),
    updatedAt: t.String(),
  },
  { title: 'Schedule' },
);

const fields = {
  name: t.String({ minLength: 1, maxLength: 100, error: 'a name is 1-100 characters' }),
  cron: t.String({
    minLength: 1,
    maxLength: 200,
    description: 'e.g. "0 4 * * *"; six fields start with seconds',
  }),
  timezone: t.Optional(t.String({ maxLength: 64, description: 'IANA zone; default the server’s' })),
  enabled: t.Optional(t.Boolean()),
  environmentId: t.Optional(t.Nullable(t.Integer({ minimum: 1 }))),
  options: t.Optional(t.Record(t.String(), t.Unknown())),
};

export function scheduleRoutes({ access, scheduler, schedules, environments }: ScheduleRouteDeps) {
  /** The kind's own permission, on the environment the schedule works on. */
  const assertMayRun = async (
    principal: Principal | undefined,
    kindName: string,
    environmentId: number | null,
  ) => {
    const kind = scheduler.kind(kindName);
    if (!kind) return; // the scheduler answers with the list of kinds
    if (environmentId !== null) await requireEnvironment(environments, environmentId);
    if (!principal || !can(principal, kind.permission, environmentId ?? undefined)) {
      const where = environmentId === null ? '' : ` on environment ${environmentId}`;
      throw new HttpError(
        403,
        'FORBIDDEN',
        `A ${kind.label} schedule needs the ${kind.permission} permission${where}`,
      );
    }
  };
  const requireSchedule = async (id: number) => {
    const schedule = await schedules.get(id);
    if (!schedule) throw new HttpError(404, 'SCHEDULE_NOT_FOUND', `No schedule ${id}`);
    return schedule;
  };

  return new Elysia({ prefix: '/api/schedules' })
    .use(access)
    .get('', () => schedules.list(), {
      access: 'schedules:read',
      response: { 200: t.Array(ScheduleSchema) },
      detail: { summary: 'Every schedule with its last and next run', tags },
    })
    .get(
      '/kinds',
      () =>
        scheduler.registeredKinds().map(({ kind, label, permission, environment }) => ({
          kind,
          label,
          permission,
          environment,
        })),
      {
        access: 'schedules:read',
        detail: { summary: 'The kinds of work a schedule can run', tags },
      },
    )
    .post(
      '',
      async ({ body, principal, set }) => {
        await assertMayRun(principal, body.kind, body.environmentId ?? null);
        set.status = 201;
        return scheduler.create(body);
      },
      {
        access: 'schedules:manage',
        body: t.Object({ kind: t.String({ minLength: 1, maxLength: 64 }), ...fields }),
        response: { 201: ScheduleSchema, ...failures },
        detail: { summary: 'Create a schedule (its kind decides what options mean)', tags },
      },
    )
    .patch(
      '/:id',
      async ({ params, body, principal }) => {
        const current = await requireSchedule(params.id);
        await assertMayRun(principal, current.kind, current.environmentId);
        if (body.environmentId !== undefined) await assertMayRun(principal, current.kind, body.environmentId);
        const updated = await scheduler.update(params.id, body);
        if (!updated) throw new HttpError(404, 'SCHEDULE_NOT_FOUND', `No schedule ${params.id}`);
        return updated;
      },
      {
        access: 'schedules:manage',
        params: IdParams,
        body: t.Partial(t.Object(fields)),
        response: { 200: ScheduleSchema, ...failures },
        detail: { summary: 'Change a schedule; it is re-armed at once', tags },
      },
    )
    .delete(
      '/:id',
      async ({ params, principal, set }) => {
        const current = await requireSchedule(params.id);
        await assertMayRun(principal, current.kind, current.environmentId);
        await scheduler.remove(params.id);
        set.status = 204;
      },
      {
        access: 'schedules:manage',
        params: IdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Delete a schedule (a run under way finishes)', tags },
      },
    )
    .post(
      '/:id/run',
      async ({ params, principal, set }) => {
        const current = await requireSchedule(params.id);
        await assertMayRun(principal, current.kind, current.environmentId);
        const outcome = await scheduler.runNow(params.id);
        if (outcome === 'busy')
          throw new HttpError(
            409,
            'SCHEDULE_RUNNING',
            `"${current.name}" is running already; one run at a time`,
          );
        if (outcome === 'unknown')
          throw new HttpError(409, 'UNKNOWN_SCHEDULE_KIND', `No kind "${current.kind}" is registered`);
        set.status = 202;
        return requireSchedule(params.id);
      },
      {
        access: 'schedules:manage',
        params: IdParams,
        response: { 202: ScheduleSchema, ...failures },
        detail: { summary: 'Run a schedule now, in the background', tags },
      },
    );
}
