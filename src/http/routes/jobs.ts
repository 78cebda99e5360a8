// Background jobs of one environment (pulls, pushes): list them, and follow one as server-sent
// events, from its first report, even after the page that started it closed or Windflow
// restarted. Seeing a job needs the permission it runs under.
import { Elysia, t } from 'elysia';
import { can, type Principal } from '../../auth/principal.ts';
import type { Job, JobRegistry } from '../../jobs/job-registry.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';
import { eventStreamResponse, type ServerSentEvent } from '../server-sent-events.ts';

export interface JobRouteDeps {
  access: AccessControl;
  jobs: JobRegistry;
}

export const JobSchema = t.Object(
  {
    id: t.String(),
    kind: t.String({ description: 'the permission it runs under, e.g. images:pull' }),
    environmentId: t.Integer(),
    target: t.String(),
    status: t.Union([
      t.Literal('running'),
      t.Literal('succeeded'),
      t.Literal('failed'),
      t.Literal('interrupted'),
    ]),
    error: t.Optional(t.String({ description: 'why it failed or was interrupted' })),
    startedAt: t.String(),
    finishedAt: t.Optional(t.String()),
    startedBy: t.Optional(t.Object({ userId: t.Integer(), username: t.String() })),
  },
  { title: 'Job' },
);

const tags = ['jobs'];
const JobParams = t.Object({ id: t.Integer({ minimum: 1 }), jobId: t.String({ format: 'uuid' }) });

export function jobRoutes({ access, jobs }: JobRouteDeps) {
  const visible = (
    job: Job | undefined,
    environmentId: number,
    principal: Principal | undefined,
  ): job is Job =>
    Boolean(
      job && principal && job.environmentId === environmentId && can(principal, job.kind, environmentId),
    );
  const requireJob = async (
    jobId: string,
    environmentId: number,
    principal: Principal | undefined,
  ): Promise<Job> => {
    const job = await jobs.get(jobId);
    if (!visible(job, environmentId, principal))
      throw new HttpError(404, 'JOB_NOT_FOUND', `No job ${jobId} here`);
    return job;
  };

  return new Elysia({ prefix: '/api/environments/:id/jobs' })
    .use(access)
    .get(
      '',
      async ({ params, principal }) =>
        (await jobs.list({ environmentId: params.id })).filter((job) => visible(job, params.id, principal)),
      {
        access: 'environments:read',
        params: t.Object({ id: t.Integer({ minimum: 1 }) }),
        response: { 200: t.Array(JobSchema) },
        detail: { summary: 'Recent and running jobs, newest first', tags },
      },
    )
    .get('/:jobId', ({ params, principal }) => requireJob(params.jobId, params.id, principal), {
      access: 'environments:read',
      params: JobParams,
      response: { 200: JobSchema, 404: ErrorSchema },
      detail: { summary: 'One job', tags },
    })
    .get(
      '/:jobId/events',
      async ({ params, principal, request }) => {
        const job = await requireJob(params.jobId, params.id, principal);
        const afterSeq = Number(request.headers.get('last-event-id') ?? 0) || 0;
        return eventStreamResponse((signal) => jobMessages(jobs, job.id, afterSeq, signal));
      },
      {
        access: 'environments:read',
        params: JobParams,
        response: { 404: ErrorSchema },
        detail: {
          summary:
            "The job's reports so far, then live until it ends (server-sent events; the last is an `end` event with the job)",
          tags,
        },
      },
    );
}

async function* jobMessages(
  jobs: JobRegistry,
  jobId: string,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<ServerSentEvent> {
  for await (const message of jobs.follow(jobId, afterSeq, signal)) {
    if (message.type === 'event') yield { id: String(message.event.seq), data: message.event.data };
    else yield { event: 'end', data: message.job };
  }
}
