// Vulnerability scans of one environment's images: the kept results for an image (per scanner,
// with the findings), counts for every scanned image, and a scan now as a job that can be
// followed. Which scanner and which scanner images are settings (/api/settings/scanning).
import { Elysia, t } from 'elysia';
import { SCANNERS } from '../../docker/views.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { JobRegistry } from '../../jobs/job-registry.ts';
import { describeCounts, type ScanService } from '../../scanning/scan-service.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { ImageScanStore } from '../../store/image-scans.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ENVIRONMENT_ROUTE_FAILURES, EnvironmentIdParams } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';
import { Reference } from './images.ts';
import { JobSchema } from './jobs.ts';

export interface ScanRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  imageScans: ImageScanStore;
  scanService: ScanService;
  jobs: JobRegistry;
}

const tags = ['images'];
const failures = ENVIRONMENT_ROUTE_FAILURES;

export function scanRoutes({ access, environments, clients, imageScans, scanService, jobs }: ScanRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));
  return new Elysia({ prefix: '/api/environments/:id/scans' })
    .use(access)
    .get('', async ({ params }) => imageScans.summaries(params.id), {
      access: 'images:read',
      params: EnvironmentIdParams,
      response: failures,
      detail: { summary: 'Counts by severity of the newest scan of every scanned image', tags },
    })
    .get(
      '/image',
      async ({ params, query }) => {
        const image = await (await clientOf(params.id)).inspectImage(query.ref);
        return {
          imageId: image.Id,
          tags: image.RepoTags ?? [],
          scans: await imageScans.forDigest(params.id, image.Id),
        };
      },
      {
        access: 'images:read',
        params: EnvironmentIdParams,
        query: t.Object({ ref: Reference }),
        response: failures,
        detail: { summary: "An image's newest scan by each scanner, with every finding", tags },
      },
    )
    .post(
      '',
      async ({ params, body, principal, set }) => {
        const client = await clientOf(params.id);
        const image = await client.inspectImage(body.ref);
        const name = image.RepoTags?.[0] ?? body.ref;
        const id = jobs.start(
          'images:scan',
          params.id,
          name,
          async (report, signal) => {
            const scan = await scanService.scan(params.id, image.Id, {
              scanner: body.scanner,
              as: name,
              signal,
              report: (step) => report({ kind: 'status', status: step }),
            });
            report({
              kind: 'status',
              status: describeCounts(scan.counts),
              scanId: scan.id,
              counts: scan.counts,
            });
          },
          principal && { userId: principal.userId, username: principal.username },
        );
        set.status = 202;
        const job = await jobs.get(id);
        if (!job) throw new HttpError(500, 'INTERNAL', 'the job went missing');
        return job;
      },
      {
        access: 'images:scan',
        params: EnvironmentIdParams,
        body: t.Object({
          ref: Reference,
          scanner: t.Optional(t.Union(SCANNERS.map((each) => t.Literal(each)))),
        }),
        response: { 202: JobSchema, ...failures },
        detail: {
          summary:
            'Scan an image now with Grype or Trivy run as a container on the environment (a job with its steps)',
          tags,
        },
      },
    );
}
