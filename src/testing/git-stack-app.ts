// The Git stack tests' app: Windflow on SQLite or PostgreSQL with an admin and the local Docker
// environment; stack names unique to the run, taken down (with the scratch database) at the end;
// and what those tests read back: a job's end, a stack's revisions, its container's environment.
import { LABEL } from '../docker/compose/labels.ts';
import { down } from '../docker/compose/operations.ts';
import type { Job } from '../jobs/job-registry.ts';
import type { Dialect } from '../store/database.ts';
import type { StackRevision } from '../store/records.ts';
import { startTestApp, type TestApp } from './app.ts';
import { type ScratchDatabase, scratchDatabase } from './databases.ts';
import { jobEnd } from './jobs.ts';
import type { ApiSession } from './session.ts';
import { testbed } from './testbed.ts';

export interface GitStackApp {
  app: TestApp;
  admin: ApiSession;
  environmentId: number;
  /** `/api/environments/<id>`. */
  base: string;
  /** `<prefix>-<dialect>-<label>-<run>` (the same for the same label), taken down by close(). */
  stackName(label: string): string;
  finished(job: Job): Promise<Job>;
  revisions(stack: string): Promise<StackRevision[]>;
  /** The environment variables of the stack's running container. */
  environmentOf(stack: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const run = `${process.pid}${Date.now().toString(36)}`;

export async function startGitStackApp(dialect: Dialect, prefix: string): Promise<GitStackApp> {
  const scratch: ScratchDatabase | undefined =
    dialect === 'postgres' ? await scratchDatabase('postgres') : undefined;
  const app = await startTestApp({ databaseUrl: scratch?.url, stackGraceMs: 2_500 });
  const admin = await app.session().setUpAdmin();
  const environmentId = (
    await admin.call('POST', '/api/environments', {
      name: 'local',
      type: 'local-socket',
      address: testbed().dockerSocket,
    })
  ).body.id as number;
  const base = `/api/environments/${environmentId}`;
  const projects: string[] = [];
  const docker = () => app.services.stackService.client(environmentId);
  return {
    app,
    admin,
    environmentId,
    base,
    stackName(label) {
      const stack = `${prefix}-${dialect.slice(0, 2)}-${label}-${run}`;
      if (!projects.includes(stack)) projects.push(stack);
      return stack;
    },
    finished: (job) => jobEnd(app.services.jobs, job),
    revisions: async (stack) =>
      (await admin.call('GET', `${base}/stacks/${stack}/revisions`)).body as StackRevision[],
    async environmentOf(stack) {
      const client = await docker();
      const [container] = await client.listContainers({ filters: { label: [`${LABEL.project}=${stack}`] } });
      if (!container) throw new Error(`${stack} has no running container`);
      const inspect = await client.inspectContainer(container.Id);
      return Object.fromEntries(
        (inspect.Config.Env as string[]).map((pair) => [
          pair.slice(0, pair.indexOf('=')),
          pair.slice(pair.indexOf('=') + 1),
        ]),
      );
    },
    async close() {
      const client = await docker();
      await Promise.all(
        projects.map((stack) => down(client, stack, { volumes: true }).catch(() => undefined)),
      );
      await app.close();
      await scratch?.drop();
    },
  };
}
