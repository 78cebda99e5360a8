// Stacks in Windflow: a Compose project whose files, variables and history the store keeps.
// Every deploy is a revision run as a job (per-service steps streamed); bad input is refused
// before anything is created; a deploy that fails (an image that cannot be pulled, a container
// that exits or fails its healthcheck within the grace period) puts the previous revision back by
// itself and says why; a rollback redeploys an old revision with its exact image digests.
// Projects that `docker compose` made are listed too, and deploying one adopts it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Principal } from '../auth/principal.ts';
import type { DockerClient } from '../docker/client.ts';
import { serviceCreateBodies, up } from '../docker/compose/converge.ts';
import { LABEL } from '../docker/compose/labels.ts';
import { loadProject } from '../docker/compose/load.ts';
import type { ComposeProject } from '../docker/compose/model.ts';
import {
  describeProject,
  down,
  type LifecycleAction,
  lifecycle,
  listProjects,
  type ProjectSummary,
} from '../docker/compose/operations.ts';
import { observeProject, planProject } from '../docker/compose/project-state.ts';
import { ensureImages, pinnedReferences, previewImages } from '../docker/compose/service-images.ts';
import { verifyContainers } from '../docker/compose/verify.ts';
import { type RegistryAuth, registryHostOf } from '../docker/image-reference.ts';
import type { DeployProgress, StackDetail, StackPreview, StackSummary } from '../docker/views.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import { HttpError } from '../http/errors.ts';
import { authorizeCreateBody, authorizeVolume } from '../http/host-access.ts';
import type { Job, JobRegistry, JobReport } from '../jobs/job-registry.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type {
  Environment,
  RevisionGit,
  StackOrigin,
  StackRecord,
  StackRevision,
  StackVariableInput,
} from '../store/records.ts';
import type { RegistryStore } from '../store/registries.ts';
import type { StackStore } from './stack-store.ts';
import { bindsInWorkTree, writeWorkTree } from './work-tree.ts';

/** Compose's project name rule: what `docker compose -p` accepts. */
export const STACK_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
const STACK_NAME = new RegExp(STACK_NAME_PATTERN);

export interface StackServiceOptions {
  stacks: StackStore;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  jobs: JobRegistry;
  registries: RegistryStore;
  /** Where each stack's folder is: `<stacksDir>/<environment id>/<name>/` holds compose.yaml and .env. */
  stacksDir: string;
  /** How long containers must stay up (and become healthy) after a deploy. */
  graceMs?: number;
  /**
   * Checks a Git revision's commit out again into `dir` when its checkout is gone (pruned, or
   * another data directory): rollbacks and put-backs of Git stacks need the files.
   */
  restoreCheckout?: (git: RevisionGit, dir: string) => Promise<void>;
  /** Told before a stack is forgotten (what hangs on it, like a polling schedule, goes too). */
  onRemove?: (stack: StackRecord) => Promise<void>;
}

export interface DeployInput {
  compose: string;
  env?: string;
  variables?: StackVariableInput[];
  /**
   * A Git stack's deploy: the files are those of the commit checked out in
   * `checkoutDir(environment, name, commit)`; compose and env are the main file's and the .env
   * beside it, kept with the revision to show.
   */
  git?: RevisionGit;
}

interface DeployPlan {
  environmentId: number;
  client: DockerClient;
  stack: StackRecord;
  revision: StackRevision;
  project: ComposeProject;
  /** Service -> the exact image to run: a rollback's. */
  pinned?: Record<string, string>;
  /** Pull every image first, whatever its pull policy: an image update. */
  pullAll?: boolean;
  /** What runs now, to put back if this deploy fails. */
  previous?: StackRevision;
  /** Remove everything on failure: the stack's first deploy made it all. */
  firstDeploy: boolean;
}

export class StackService {
  private readonly options: StackServiceOptions;
  /** Stacks with a deploy running, by `environment/name`: one at a time. */
  private readonly busy = new Set<string>();
  /** Those waiting for a stack's running deploy to end (a push that came meanwhile). */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(options: StackServiceOptions) {
    this.options = options;
  }

  /** Windflow's stacks and the other Compose projects on the engine, with their state. */
  async list(environmentId: number): Promise<StackSummary[]> {
    const client = await this.clientOf(environmentId);
    const [records, projects] = await Promise.all([
      this.options.stacks.list(environmentId),
      listProjects(client),
    ]);
    const byName = new Map(projects.map((project) => [project.name, project]));
    const managed = await Promise.all(
      records.map(async (record) =>
        this.summary(record, byName.get(record.name), await this.options.stacks.revisions(record.id)),
      ),
    );
    const names = new Set(records.map((record) => record.name));
    const found = projects
      .filter((project) => !names.has(project.name))
      .map((project) => unmanagedSummary(project));
    return [...managed, ...found].sort((a, b) => a.name.localeCompare(b.name));
  }

  async detail(environmentId: number, name: string): Promise<StackDetail> {
    const client = await this.clientOf(environmentId);
    const record = await this.options.stacks.get(environmentId, name);
    const project = await describeProject(client, name);
    if (!record) {
      if (project.containers.length === 0) throw stackNotFound(name);
      return { ...unmanagedSummary(project), compose: '', env: '', variables: [], jobId: null, commit: null };
    }
    const revisions = await this.options.stacks.revisions(record.id);
    const shown = (await this.options.stacks.current(record.id)) ?? revisions[0];
    const running = revisions.find((revision) => revision.outcome === 'deploying');
    return {
      ...this.summary(record, project, revisions),
      compose: shown?.compose ?? '',
      env: shown?.env ?? '',
      variables: await this.options.stacks.variables(record.id),
      jobId: running?.jobId ?? null,
      commit: shown?.git
        ? {
            hash: shown.git.commit,
            ref: shown.git.ref,
            author: shown.git.author,
            message: shown.git.message,
            date: shown.git.date,
          }
        : null,
    };
  }

  async revisions(environmentId: number, name: string): Promise<StackRevision[]> {
    return this.options.stacks.revisions((await this.requireStack(environmentId, name)).id);
  }

  /** What deploying this input would change; nothing is pulled, built or created. */
  async preview(environmentId: number, name: string, input: DeployInput): Promise<StackPreview> {
    assertStackName(name);
    const client = await this.clientOf(environmentId);
    const record = await this.options.stacks.get(environmentId, name);
    const variables = record ? await this.options.stacks.variableValues(record.id) : {};
    const project = await this.load(environmentId, name, input, mergeVariables(variables, input.variables));
    const [state, images] = await Promise.all([observeProject(client, name), previewImages(client, project)]);
    const current = record ? await this.options.stacks.current(record.id) : undefined;
    return {
      plan: planProject(project, state, images.ids, images.sources),
      currentCompose: current?.compose ?? '',
      currentEnv: current?.env ?? '',
    };
  }

  /**
   * Checks the input and starts its deploy as a job. `create` refuses a name Windflow already
   * has; `update` refuses one it has nowhere (neither stored nor on the engine).
   */
  async deploy(
    environmentId: number,
    name: string,
    input: DeployInput,
    context: { principal?: Principal; mode: 'create' | 'update'; origin?: StackOrigin; trigger?: string },
  ): Promise<Job> {
    assertStackName(name);
    const client = await this.clientOf(environmentId);
    let record = await this.options.stacks.get(environmentId, name);
    if (context.mode === 'create' && record)
      throw new HttpError(409, 'STACK_EXISTS', `A stack named "${name}" already exists on this environment`);
    const onEngine = record ? undefined : await describeProject(client, name);
    if (context.mode === 'update' && !record && !onEngine?.containers.length) throw stackNotFound(name);
    const variables = mergeVariables(
      record ? await this.options.stacks.variableValues(record.id) : {},
      input.variables,
    );
    const project = await this.load(environmentId, name, input, variables);
    await this.vet(environmentId, client, project, context.principal);
    return this.claimed(environmentId, name, async () => {
      const origin: StackOrigin = onEngine?.containers.length ? 'adopted' : (context.origin ?? 'editor');
      record ??= await this.options.stacks.create(environmentId, name, origin);
      if (input.variables) await this.options.stacks.replaceVariables(record.id, input.variables);
      const previous = await this.options.stacks.current(record.id);
      const revision = await this.options.stacks.addRevision(record.id, {
        compose: input.compose,
        env: input.env ?? '',
        createdBy: context.principal?.username ?? '',
        git: input.git ?? null,
        trigger: context.trigger ?? (input.git ? 'manual' : 'editor'),
      });
      return await this.startJob(
        {
          environmentId,
          client,
          stack: record,
          revision,
          project,
          previous,
          firstDeploy: !previous && origin !== 'adopted' && !onEngine?.containers.length,
        },
        context.principal,
      );
    });
  }

  /** Deploys an earlier revision again, with the image digests it ran. */
  async rollback(environmentId: number, name: string, number: number, principal?: Principal): Promise<Job> {
    const record = await this.requireStack(environmentId, name);
    const target = await this.options.stacks.revision(record.id, number);
    if (!target) throw new HttpError(404, 'REVISION_NOT_FOUND', `Stack ${name} has no revision ${number}`);
    if (Object.keys(target.images).length === 0)
      throw new HttpError(
        409,
        'REVISION_NOT_RESTORABLE',
        `Revision ${number} never ran, so it has no images to restore`,
      );
    const client = await this.clientOf(environmentId);
    const project = await this.loadRevision(environmentId, record, target);
    await this.vet(environmentId, client, project, principal);
    return this.claimed(environmentId, name, async () => {
      const previous = await this.options.stacks.current(record.id);
      const revision = await this.options.stacks.addRevision(record.id, {
        compose: target.compose,
        env: target.env,
        createdBy: principal?.username ?? '',
        rollbackOf: number,
        git: target.git,
        trigger: 'rollback',
      });
      return await this.startJob(
        {
          environmentId,
          client,
          stack: record,
          revision,
          project,
          pinned: target.images,
          previous,
          firstDeploy: false,
        },
        principal,
      );
    });
  }

  /** Whether Windflow deploys the stack (it has a revision history here), not only finds it. */
  async manages(environmentId: number, name: string): Promise<boolean> {
    return (await this.options.stacks.get(environmentId, name)) !== undefined;
  }

  /**
   * An image update of the stack: its current revision deployed again as a new one, with every
   * image pulled first. Compose recreates the services whose image changed, the deploy verifies
   * them, and a failure puts the previous revision back with the digests it ran. The file is
   * unchanged, so it is vetted again only for a person (a schedule's policy runs what was vetted).
   */
  async updateImages(environmentId: number, name: string, principal?: Principal): Promise<Job> {
    const record = await this.requireStack(environmentId, name);
    const current = await this.options.stacks.current(record.id);
    if (!current)
      throw new HttpError(409, 'STACK_NOT_DEPLOYED', `Stack ${name} has no deployed revision to update`);
    const client = await this.clientOf(environmentId);
    const project = await this.load(
      environmentId,
      name,
      { compose: current.compose, env: current.env },
      await this.options.stacks.variableValues(record.id),
    );
    if (principal) await this.vet(environmentId, client, project, principal);
    return this.claimed(environmentId, name, async () => {
      const revision = await this.options.stacks.addRevision(record.id, {
        compose: current.compose,
        env: current.env,
        createdBy: principal?.username ?? 'image update',
      });
      return await this.startJob(
        {
          environmentId,
          client,
          stack: record,
          revision,
          project,
          previous: current,
          firstDeploy: false,
          pullAll: true,
        },
        principal,
      );
    });
  }

  /** Down, then forget the stack and its history. */
  async remove(environmentId: number, name: string, volumes: boolean): Promise<void> {
    assertStackName(name);
    const client = await this.clientOf(environmentId);
    const record = await this.options.stacks.get(environmentId, name);
    if (!record && (await describeProject(client, name)).containers.length === 0) throw stackNotFound(name);
    if (this.busy.has(`${environmentId}/${name}`))
      throw new HttpError(409, 'STACK_BUSY', `A deploy of ${name} is running; wait for it to end`);
    await down(client, name, { volumes });
    if (record) {
      await this.options.onRemove?.(record);
      await this.options.stacks.remove(record.id);
    }
  }

  /** start, stop or restart the stack (or one service), as a job. */
  async lifecycle(
    environmentId: number,
    name: string,
    action: LifecycleAction,
    options: { service?: string; principal?: Principal } = {},
  ): Promise<Job> {
    const client = await this.clientOf(environmentId);
    await this.requireProject(environmentId, client, name);
    return this.job(
      environmentId,
      name,
      (report) => lifecycle(client, name, action, { service: options.service, report }).then(() => undefined),
      options.principal,
    );
  }

  /** Pulls every service's image as the file names it; the next deploy runs what was pulled. */
  async pull(environmentId: number, name: string, principal?: Principal): Promise<Job> {
    const record = await this.requireStack(environmentId, name);
    const current =
      (await this.options.stacks.current(record.id)) ?? (await this.options.stacks.revisions(record.id))[0];
    if (!current) throw stackNotFound(name);
    const client = await this.clientOf(environmentId);
    const project = await this.loadRevision(environmentId, record, current);
    return this.job(
      environmentId,
      name,
      async (report, signal) => {
        await ensureImages(client, project, {
          report: report as Report,
          signal,
          pullAll: true,
          auth: this.authFor,
        });
      },
      principal,
    );
  }

  async client(environmentId: number): Promise<DockerClient> {
    return this.clientOf(environmentId);
  }

  /** Marks deploys that a stop interrupted; called once at start. */
  abandonInterrupted(): Promise<number> {
    return this.options.stacks.abandonUnfinished();
  }

  // --- the deploy itself

  private async startJob(plan: DeployPlan, principal?: Principal): Promise<Job> {
    const jobId = this.options.jobs.start(
      'stacks:deploy',
      plan.environmentId,
      plan.stack.name,
      async (report, signal) => {
        try {
          await this.run(plan, report as Report, signal);
        } finally {
          this.release(plan.environmentId, plan.stack.name);
        }
      },
      principal && { userId: principal.userId, username: principal.username },
    );
    await this.options.stacks.setRevisionJob(plan.stack.id, plan.revision.number, jobId);
    return (await this.options.jobs.get(jobId)) as Job;
  }

  private async run(plan: DeployPlan, report: Report, signal: AbortSignal): Promise<void> {
    const { client, project, stack, revision } = plan;
    try {
      this.writeFiles(plan.environmentId, stack.name, revision);
      const result = await up(client, project, {
        report,
        signal,
        pinned: plan.pinned,
        pullAll: plan.pullAll,
        auth: this.authFor,
        removeOrphans: true,
      });
      const containers = [...result.containers.entries()].flatMap(([service, ids]) =>
        ids.map((id, index) => ({ id, name: `${service} #${index + 1}` })),
      );
      report({ kind: 'step', service: '', target: stack.name, action: 'verify', status: 'started' });
      await verifyContainers(client, containers, { graceMs: this.options.graceMs ?? 10_000, signal });
      report({ kind: 'step', service: '', target: stack.name, action: 'verify', status: 'done' });
      const images = await pinnedReferences(client, project, result.imageIds);
      await this.options.stacks.finishRevision(stack.id, revision.number, 'deployed', { images });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      report({
        kind: 'step',
        service: '',
        target: stack.name,
        action: 'verify',
        status: 'failed',
        message: why,
      });
      const message = await this.putBack(plan, why, report, signal);
      throw new Error(message);
    }
  }

  /** After a failed deploy: the previous revision again, or (for a first deploy) nothing left behind. */
  private async putBack(plan: DeployPlan, why: string, report: Report, signal: AbortSignal): Promise<string> {
    const { client, stack, revision, previous } = plan;
    if (!previous) {
      if (plan.firstDeploy) await down(client, stack.name, { volumes: true }).catch(() => undefined);
      const message = `Deploy failed: ${why}`;
      await this.options.stacks.finishRevision(stack.id, revision.number, 'failed', { message });
      return message;
    }
    report({
      kind: 'step',
      service: '',
      target: `revision ${previous.number}`,
      action: 'rollback',
      status: 'started',
    });
    try {
      const project = await this.loadRevision(plan.environmentId, stack, previous);
      this.writeFiles(plan.environmentId, stack.name, previous);
      await up(client, project, {
        report,
        signal,
        pinned: previous.images,
        auth: this.authFor,
        removeOrphans: true,
      });
      report({
        kind: 'step',
        service: '',
        target: `revision ${previous.number}`,
        action: 'rollback',
        status: 'done',
      });
      const message = `Deploy failed: ${why}. Revision ${previous.number} was put back.`;
      await this.options.stacks.finishRevision(stack.id, revision.number, 'rolled-back', { message });
      return message;
    } catch (error) {
      const also = error instanceof Error ? error.message : String(error);
      report({
        kind: 'step',
        service: '',
        target: `revision ${previous.number}`,
        action: 'rollback',
        status: 'failed',
        message: also,
      });
      const message = `Deploy failed: ${why}. Putting revision ${previous.number} back failed too: ${also}`;
      await this.options.stacks.finishRevision(stack.id, revision.number, 'failed', { message });
      return message;
    }
  }

  // --- checks before anything is created

  private async load(
    environmentId: number,
    name: string,
    input: DeployInput,
    variables: Record<string, string>,
  ): Promise<ComposeProject> {
    if (input.git) return this.loadCheckout(environmentId, name, input.git, variables);
    const workingDir = this.folderOf(environmentId, name);
    mkdirSync(workingDir, { recursive: true, mode: 0o700 });
    return loadProject({
      workingDir,
      projectName: name,
      files: [{ path: join(workingDir, 'compose.yaml'), content: input.compose }],
      envFiles: [{ path: join(workingDir, '.env'), content: input.env ?? '' }],
      variables,
    });
  }

  /** A stored revision's project: its text, or its commit's checkout (checked out again if gone). */
  private async loadRevision(
    environmentId: number,
    stack: StackRecord,
    revision: StackRevision,
  ): Promise<ComposeProject> {
    const variables = await this.options.stacks.variableValues(stack.id);
    if (revision.git) {
      const dir = this.checkoutDir(environmentId, stack.name, revision.git.commit);
      if (!existsSync(dir)) {
        if (!this.options.restoreCheckout)
          throw new HttpError(409, 'CHECKOUT_MISSING', `The checkout of ${revision.git.commit} is gone`);
        await this.options.restoreCheckout(revision.git, dir);
      }
    }
    return this.load(
      environmentId,
      stack.name,
      { compose: revision.compose, env: revision.env, git: revision.git ?? undefined },
      variables,
    );
  }

  /**
   * A Git stack's project from its checkout: the compose file and the extra ones in override
   * order, the working directory the compose file's folder (env_file and build contexts resolve
   * there, as `docker compose -f` would; relative binds too, then moved to the stack's work tree),
   * its .env for interpolation, and Windflow's variables over the .env.
   */
  private async loadCheckout(
    environmentId: number,
    name: string,
    git: RevisionGit,
    variables: Record<string, string>,
  ): Promise<ComposeProject> {
    const root = this.checkoutDir(environmentId, name, git.commit);
    const workingDir = join(root, dirname(git.composePath));
    const envPath = join(workingDir, '.env');
    const project = await loadProject({
      workingDir,
      projectName: name,
      files: [git.composePath, ...git.extraFiles].map((path) => ({
        path: join(root, path),
        content: readFileSync(join(root, path), 'utf8'),
      })),
      envFiles: existsSync(envPath) ? [{ path: envPath, content: readFileSync(envPath, 'utf8') }] : [],
      variables,
    });
    return bindsInWorkTree(project, root, this.workTreeOf(environmentId, name));
  }

  /**
   * Host powers (in any service's container or a volume's driver options) need host:access under
   * the environment's policy; a published port another container holds is refused.
   */
  private async vet(
    environmentId: number,
    client: DockerClient,
    project: ComposeProject,
    principal: Principal | undefined,
  ): Promise<void> {
    const environment = await this.environmentOf(environmentId);
    for (const [service, body] of serviceCreateBodies(project)) {
      try {
        await authorizeCreateBody(principal, environment, client, body);
      } catch (error) {
        if (error instanceof HttpError)
          throw new HttpError(error.status, error.code, `${service}: ${error.message}`);
        throw error;
      }
    }
    for (const volume of Object.values(project.volumes)) {
      if (!volume.external)
        authorizeVolume(principal, environment, volume.driver ?? 'local', volume.driver_opts ?? {});
    }
    await assertPortsFree(client, project);
  }

  // --- plumbing

  private summary(
    record: StackRecord,
    project: ProjectSummary | undefined,
    revisions: StackRevision[],
  ): StackSummary {
    const current = revisions.find((revision) => revision.outcome === 'deployed');
    return {
      name: record.name,
      managed: true,
      origin: record.origin,
      status: project && project.containers.length > 0 ? project.status : 'down',
      services: project?.services ?? [],
      containers: project?.containers ?? [],
      revision: current?.number ?? null,
      lastOutcome: revisions[0]?.outcome ?? null,
      updatedAt: record.updatedAt,
    };
  }

  private readonly authFor = async (reference: string): Promise<RegistryAuth | undefined> => {
    const registry = await this.options.registries.findByHost(registryHostOf(reference));
    if (!registry) return undefined;
    const credentials = await this.options.registries.credentials(registry.id);
    return {
      username: credentials?.username,
      password: credentials?.password,
      serveraddress: new URL(registry.url).host,
    };
  };

  private async job(
    environmentId: number,
    name: string,
    work: (report: JobReport, signal: AbortSignal) => Promise<void>,
    principal?: Principal,
  ): Promise<Job> {
    const id = this.options.jobs.start(
      'stacks:deploy',
      environmentId,
      name,
      work,
      principal && { userId: principal.userId, username: principal.username },
    );
    return (await this.options.jobs.get(id)) as Job;
  }

  private async environmentOf(environmentId: number): Promise<Environment> {
    const environment = await this.options.environments.get(environmentId);
    if (!environment) throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment ${environmentId}`);
    return environment;
  }

  private async clientOf(environmentId: number): Promise<DockerClient> {
    return this.options.clients.clientFor(await this.environmentOf(environmentId));
  }

  private async requireStack(environmentId: number, name: string): Promise<StackRecord> {
    assertStackName(name);
    const record = await this.options.stacks.get(environmentId, name);
    if (!record) throw stackNotFound(name);
    return record;
  }

  private async requireProject(environmentId: number, client: DockerClient, name: string): Promise<void> {
    assertStackName(name);
    if (await this.options.stacks.get(environmentId, name)) return;
    if ((await describeProject(client, name)).containers.length === 0) throw stackNotFound(name);
  }

  /**
   * Runs `start` (which starts the deploy's job) with the stack claimed: one deploy at a time.
   * The job releases the claim when it ends; a failure before it starts releases it here.
   */
  private async claimed(environmentId: number, name: string, start: () => Promise<Job>): Promise<Job> {
    const key = `${environmentId}/${name}`;
    if (this.busy.has(key))
      throw new HttpError(409, 'STACK_BUSY', `A deploy of ${name} is running; wait for it to end`);
    this.busy.add(key);
    try {
      return await start();
    } catch (error) {
      this.release(environmentId, name);
      throw error;
    }
  }

  private release(environmentId: number, name: string): void {
    const key = `${environmentId}/${name}`;
    this.busy.delete(key);
    for (const resolve of this.waiting.get(key) ?? []) resolve();
    this.waiting.delete(key);
  }

  /** Resolves once no deploy of the stack runs (at once when none does). */
  whenIdle(environmentId: number, name: string): Promise<void> {
    const key = `${environmentId}/${name}`;
    if (!this.busy.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
  }

  private folderOf(environmentId: number, name: string): string {
    return join(this.options.stacksDir, String(environmentId), name);
  }

  /** Where a Git stack's commit is checked out: `<stack folder>/git/<commit>/`. */
  checkoutDir(environmentId: number, name: string, commit: string): string {
    return join(this.folderOf(environmentId, name), 'git', commit);
  }

  /** A Git stack's work tree, which its relative binds point into: `<stack folder>/work/`. */
  private workTreeOf(environmentId: number, name: string): string {
    return join(this.folderOf(environmentId, name), 'work');
  }

  /**
   * The files a revision runs with, where its containers find them: a Git commit's over the
   * stack's work tree; otherwise compose.yaml and .env in the stack's folder, as `docker
   * compose` there would find them.
   */
  private writeFiles(environmentId: number, name: string, revision: StackRevision): void {
    const folder = this.folderOf(environmentId, name);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (revision.git) {
      const checkout = this.checkoutDir(environmentId, name, revision.git.commit);
      writeWorkTree(checkout, this.workTreeOf(environmentId, name), join(folder, 'work.files'));
      return;
    }
    writeFileSync(join(folder, 'compose.yaml'), revision.compose, { mode: 0o600 });
    writeFileSync(join(folder, '.env'), revision.env, { mode: 0o600 });
  }
}

type Report = (progress: DeployProgress, key?: string) => void;

export function assertStackName(name: string): void {
  if (!STACK_NAME.test(name)) {
    throw new HttpError(
      400,
      'STACK_NAME_INVALID',
      `"${name}" is not a stack name: use lowercase letters, digits, dashes and underscores, starting with a letter or digit`,
    );
  }
}

function stackNotFound(name: string): HttpError {
  return new HttpError(404, 'STACK_NOT_FOUND', `No stack ${name} on this environment`);
}

function unmanagedSummary(project: ProjectSummary): StackSummary {
  return {
    name: project.name,
    managed: false,
    origin: 'engine',
    status: project.status,
    services: project.services,
    containers: project.containers,
    revision: null,
    lastOutcome: null,
    updatedAt: null,
  };
}

/** Stored values, with the request's new ones over them (a secret sent without a value keeps its own). */
function mergeVariables(
  stored: Record<string, string>,
  inputs: StackVariableInput[] | undefined,
): Record<string, string> {
  if (!inputs) return stored;
  return Object.fromEntries(inputs.map((input) => [input.name, input.value ?? stored[input.name] ?? '']));
}

/** A host port another project's container publishes is refused now, before anything is created. */
async function assertPortsFree(client: DockerClient, project: ComposeProject): Promise<void> {
  const wanted = Object.values(project.services).flatMap((service) =>
    (service.ports ?? [])
      .filter((port) => port.published && /^\d+$/.test(port.published))
      .map((port) => ({
        service: service.name,
        port: Number(port.published),
        protocol: port.protocol ?? 'tcp',
      })),
  );
  if (wanted.length === 0) return;
  const containers = await client.listContainers({ filters: { status: ['running'] } });
  for (const container of containers) {
    if (container.Labels[LABEL.project] === project.name) continue;
    const ports = (container.Ports as { PublicPort?: number; Type?: string }[] | undefined) ?? [];
    for (const held of ports) {
      const clash = wanted.find((port) => port.port === held.PublicPort && port.protocol === held.Type);
      if (clash) {
        const holder = (container.Names[0] ?? container.Id.slice(0, 12)).replace(/^\//, '');
        throw new HttpError(
          409,
          'PORT_TAKEN',
          `${clash.service}: host port ${clash.port}/${clash.protocol} is already published by container ${holder}`,
        );
      }
    }
  }
}
