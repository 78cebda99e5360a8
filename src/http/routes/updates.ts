// Image updates of one environment: what the last check found per container, a check now, the
// update history, and updating one container (a job that can be followed, or a dry run that
// answers at once). Policies are schedules of kind "auto-update" (see /api/schedules).
import { Elysia, t } from 'elysia';
import { recreatePlan, specFromInspect } from '../../docker/container-spec.ts';
import { GATES } from '../../docker/views.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { JobRegistry } from '../../jobs/job-registry.ts';
import type { ScanService } from '../../scanning/scan-service.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { UpdateStore } from '../../store/updates.ts';
import type { UpdateService } from '../../updates/update-service.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { authorizeCreateBody } from '../host-access.ts';
import { EnvironmentIdParams, ErrorSchema } from '../schemas.ts';
import { ContainerIdParams } from './container-schemas.ts';
import { requireEnvironment } from './environments.ts';
import { JobSchema } from './jobs.ts';

export interface UpdateRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  updates: UpdateStore;
  updateService: UpdateService;
  scanService: ScanService;
  jobs: JobRegistry;
}

const tags = ['updates'];
const failures = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema };

export function updateRoutes({
  access,
  environments,
  clients,
  updates,
  updateService,
  scanService,
  jobs,
}: UpdateRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));
  return new Elysia({ prefix: '/api/environments/:id/updates' })
    .use(access)
    .get('', async ({ params }) => updateService.lastResults(params.id, await clientOf(params.id)), {
      access: 'containers:read',
      params: EnvironmentIdParams,
      response: failures,
      detail: { summary: 'Per container: what the last check found (no registry is asked)', tags },
    })
    .post(
      '/check',
      async ({ params }) => {
        await requireEnvironment(environments, params.id);
        return updateService.check(params.id);
      },
      {
        access: 'containers:read',
        params: EnvironmentIdParams,
        response: failures,
        detail: { summary: 'Ask the registries now; tells the channels about new updates', tags },
      },
    )
    .get('/history', async ({ params }) => updates.runs(params.id), {
      access: 'containers:read',
      params: EnvironmentIdParams,
      detail: { summary: 'Every update made, refused or rolled back, newest first', tags },
    })
    .post(
      '/containers/:containerId',
      async ({ params, body, principal, set }) => {
        const environment = await requireEnvironment(environments, params.id);
        const client = await clients.clientFor(environment);
        const container = await client.inspectContainer(params.containerId);
        const targetImage = body.tag ? withTag(container.Config.Image, body.tag) : undefined;
        // An update recreates the container with every power it has (binds, privileged ...):
        // only someone who may create it so may have it recreated.
        const { config } = recreatePlan(container, {
          ...specFromInspect(container),
          image: targetImage ?? container.Config.Image,
        });
        await authorizeCreateBody(principal, environment, client, config);
        const request = {
          containerId: container.Id,
          targetImage,
          graceSeconds: body.graceSeconds,
          gate:
            body.gate && body.gate !== 'never'
              ? scanService.gateFor(params.id, body.gate, { imageId: String(container.Image) })
              : undefined,
          startedBy: principal?.username ?? 'unknown',
          userId: principal?.userId ?? null,
          principal,
        };
        if (body.dryRun) return updateService.update(params.id, { ...request, dryRun: true });
        const id = jobs.start(
          'containers:update',
          params.id,
          container.Name.replace(/^\//, ''),
          async (report) => {
            const result = await updateService.update(params.id, {
              ...request,
              report: (step) => report({ kind: 'status', status: step }),
            });
            report({ kind: 'status', status: `${result.outcome}: ${result.detail}`, result });
            if (result.outcome !== 'updated' && result.outcome !== 'current')
              throw new Error(`${result.outcome}: ${result.detail}`);
          },
          principal && { userId: principal.userId, username: principal.username },
        );
        set.status = 202;
        const job = await jobs.get(id);
        if (!job) throw new HttpError(500, 'INTERNAL', 'the job went missing');
        return job;
      },
      {
        access: 'containers:update',
        params: ContainerIdParams,
        body: t.Object({
          dryRun: t.Optional(t.Boolean({ description: 'say what would happen; change nothing' })),
          tag: t.Optional(
            t.String({
              pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
              description: 'move to this tag (a newer version)',
            }),
          ),
          graceSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 3600 })),
          gate: t.Optional(
            t.Union(
              GATES.map((each) => t.Literal(each)),
              {
                description:
                  'scan the new image first and refuse it at or above this severity, or when worse than the running one',
              },
            ),
          ),
        }),
        response: { 202: JobSchema, 200: t.Unknown(), ...failures },
        detail: {
          summary:
            'Update one container: pull, recreate with its configuration, wait for health, roll back if it fails',
          tags,
        },
      },
    );
}

function withTag(reference: string, tag: string): string {
  const at = reference.lastIndexOf(':');
  const slash = reference.lastIndexOf('/');
  return `${at > slash ? reference.slice(0, at) : reference}:${tag}`;
}
