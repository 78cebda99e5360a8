// Git stacks: a stack whose files come from a commit of a repository. Creating one, attaching
// Git to an existing stack, changing what it follows, detaching it; the three redeploy
// triggers (manual "pull and redeploy", webhooks per repository or per stack, polling as a
// schedule kind); and the history's commits. Every deploy goes through StackService (preview
// checks, revision, job, verification, automatic put-back on failure); this module only fetches
// the commit and hands its checkout over. The fetch happens before anything is recorded, so a
// wrong token, a missing ref, a missing compose file or a repository over the size limit is a
// clear error with nothing deployed.
//
// A webhook is only a trigger: the branch's head is asked of the server itself, never taken
// from the payload, so a forged or replayed payload can at most redeploy what the branch holds.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, normalize, posix } from 'node:path';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../daemon/logger.ts';
import type {
  DeployKeyView,
  GitPreviewView,
  GitRefsView,
  GitRepositoryView,
  StackGitView,
  WebhookDeliveryView,
  WebhookSecretView,
} from '../docker/views.ts';
import { HttpError } from '../http/errors.ts';
import type { Job } from '../jobs/job-registry.ts';
import { ScheduleInputError, type ScheduleKind, type Scheduler } from '../scheduler/scheduler.ts';
import type { StackService } from '../stacks/stack-service.ts';
import type { StackStore } from '../stacks/stack-store.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { RevisionGit, StackRecord, StackVariableInput } from '../store/records.ts';
import type { ScheduleStore } from '../store/schedules.ts';
import {
  assertGitUrl,
  DEFAULT_MAX_CHECKOUT_BYTES,
  type GitSession,
  type GitSource,
  isCommitHash,
  type ResolvedRef,
  withGitSession,
} from './git-source.ts';
import type { GitDeployer, GitStore, RepositoryInput, StackGitInput } from './git-store.ts';
import { type DeployKeyKind, generateDeployKey } from './ssh-keys.ts';
import { isSshUrl, readHostKeyPin, readSshAuth } from './ssh-transport.ts';
import { readDelivery, readPush, touches, verifySignature } from './webhook-events.ts';

export interface GitStacksOptions {
  git: GitStore;
  stacks: StackStore;
  stackService: StackService;
  scheduler: Scheduler;
  schedules: ScheduleStore;
  audit: AuditLog;
  logger: Logger;
  /**
   * Whom a stack's webhook and poll deploys act for: the deployer's roles now, narrowed by the
   * token scope they set the stack up with; undefined for a deleted or disabled user.
   */
  actFor(deployer: GitDeployer): Promise<Principal | undefined>;
  /** The most one fetch may download. */
  maxCheckoutBytes?: number;
}

export type Trigger = 'create' | 'manual' | 'webhook' | 'poll';

/** A repository's connection as sent: an SSH key may come as a token from generateDeployKey. */
export interface ConnectionInput extends RepositoryInput {
  deployKey?: string;
}

export interface GitStackInput extends Omit<StackGitInput, 'repositoryId'> {
  repositoryId: number;
}

export interface RedeployResult {
  stack: string;
  /** The deploy job, when one started. */
  job?: Job;
  /** Why nothing was deployed (already at that commit). */
  skipped?: string;
  commit: string;
}

/** A commit fetched for a stack: the revision's Git record and the deploy input read from its checkout. */
interface Fetched {
  git: RevisionGit;
  input: { compose: string; env: string; git: RevisionGit };
}

/** Checkouts kept per stack beyond those of its last revisions. */
const KEPT_REVISIONS = 10;
export const GIT_POLL_KIND = 'git-poll';

export class GitStacks {
  private readonly options: GitStacksOptions;
  private readonly maxBytes: number;

  constructor(options: GitStacksOptions) {
    this.options = options;
    this.maxBytes = options.maxCheckoutBytes ?? DEFAULT_MAX_CHECKOUT_BYTES;
  }

  // --- repositories

  repositories(environmentId: number): Promise<GitRepositoryView[]> {
    return this.options.git.repositories(environmentId);
  }

  async createRepository(environmentId: number, connection: ConnectionInput): Promise<GitRepositoryView> {
    const input = this.openConnection(connection);
    checkRepositoryInput(input, 'create');
    if ((await this.options.git.repositories(environmentId)).some((each) => each.name === input.name))
      throw new HttpError(409, 'GIT_REPOSITORY_EXISTS', `A repository named "${input.name}" already exists`);
    return this.options.git.createRepository(environmentId, input);
  }

  async updateRepository(
    environmentId: number,
    id: number,
    connection: ConnectionInput,
  ): Promise<GitRepositoryView> {
    const input = this.openConnection(connection);
    const current = await this.repositoryOf(environmentId, id);
    checkRepositoryInput(input, current.auth === input.auth && current.hasSecret ? 'update' : 'create');
    const clash = (await this.options.git.repositories(environmentId)).find(
      (each) => each.name === input.name && each.id !== id,
    );
    if (clash)
      throw new HttpError(409, 'GIT_REPOSITORY_EXISTS', `A repository named "${input.name}" already exists`);
    return (await this.options.git.updateRepository(id, input)) as GitRepositoryView;
  }

  /** A new SSH key pair for a repository: the public half to add on the Git server, the private half sealed. */
  async generateDeployKey(kind: DeployKeyKind): Promise<DeployKeyView> {
    const key = await generateDeployKey(kind);
    const { publicKey } = readSshAuth({ privateKey: key.privateKey, knownHostKey: null });
    return {
      kind,
      publicKey: key.publicKey,
      fingerprint: publicKey.fingerprint,
      deployKey: this.options.git.sealDeployKey(key.privateKey),
    };
  }

  /** The connection with a generated deploy key's token opened into the private key it seals. */
  private openConnection(connection: ConnectionInput): RepositoryInput {
    const { deployKey, ...input } = connection;
    if (deployKey === undefined) return input;
    if (input.auth !== 'ssh' || input.secret !== undefined)
      throw new HttpError(
        400,
        'GIT_CREDENTIALS_INVALID',
        'A generated deploy key goes with SSH authentication, instead of a pasted private key',
      );
    const privateKey = this.options.git.openDeployKey(deployKey);
    if (!privateKey)
      throw new HttpError(
        400,
        'GIT_DEPLOY_KEY_INVALID',
        'The deploy key was not made by this Windflow (or its encryption key changed): generate it again',
      );
    return { ...input, secret: privateKey, passphrase: undefined };
  }

  async removeRepository(environmentId: number, id: number): Promise<void> {
    const repository = await this.repositoryOf(environmentId, id);
    if (repository.stacks > 0)
      throw new HttpError(
        409,
        'GIT_REPOSITORY_IN_USE',
        `${repository.stacks} stack(s) follow ${repository.name}: detach them first`,
      );
    await this.options.git.removeRepository(id);
  }

  /** "Test connection" for a stored repository. */
  async refs(environmentId: number, id: number): Promise<GitRefsView> {
    await this.repositoryOf(environmentId, id);
    return withGitSession(await this.sourceOf(id), this.maxBytes, (session) => session.listRemoteRefs());
  }

  /** "Test connection" before saving: the URL and credentials as typed. */
  testConnection(connection: Omit<ConnectionInput, 'name'>): Promise<GitRefsView> {
    const input = this.openConnection({ ...connection, name: 'test' });
    checkRepositoryInput(input, 'create');
    const source: GitSource =
      input.auth === 'basic'
        ? {
            url: input.url,
            auth: { kind: 'basic', username: input.username ?? '', password: input.secret ?? '' },
          }
        : input.auth === 'ssh'
          ? {
              url: input.url,
              auth: {
                kind: 'ssh',
                privateKey: input.secret ?? '',
                passphrase: input.passphrase,
                knownHostKey: input.knownHostKey ?? null,
              },
            }
          : { url: input.url, auth: { kind: 'none' } };
    return withGitSession(source, this.maxBytes, (session) => session.listRemoteRefs());
  }

  async repositoryWebhook(environmentId: number, id: number): Promise<WebhookSecretView> {
    await this.repositoryOf(environmentId, id);
    const hook = (await this.options.git.repositoryWebhookSecret(id)) as { path: string; secret: string };
    return { webhookPath: hook.path, secret: hook.secret };
  }

  async repositoryDeliveries(environmentId: number, id: number): Promise<WebhookDeliveryView[]> {
    await this.repositoryOf(environmentId, id);
    return this.options.git.deliveries({ repositoryId: id });
  }

  // --- stacks

  /** A new stack from a repository: fetched, checked, then deployed as its first revision. */
  async createStack(
    environmentId: number,
    name: string,
    input: GitStackInput & { variables?: StackVariableInput[]; poll?: string | null },
    principal?: Principal,
  ): Promise<Job> {
    checkStackInput(input);
    await this.repositoryOf(environmentId, input.repositoryId);
    if (await this.options.stacks.get(environmentId, name))
      throw new HttpError(409, 'STACK_EXISTS', `A stack named "${name}" already exists on this environment`);
    const { job } = await this.deployCommit(environmentId, name, input, {
      trigger: 'create',
      principal,
      mode: 'create',
      variables: input.variables,
    });
    const record = (await this.options.stacks.get(environmentId, name)) as StackRecord;
    await this.options.git.setStackGit(record.id, linkOf(input), deployerOf(principal));
    if (input.poll) await this.setPoll(environmentId, record, input.poll);
    return job as Job;
  }

  /**
   * Attaches Git to a stack (or changes what it follows) and deploys what the ref holds now.
   * The link is saved only once that deploy has started: bad input leaves the stack as it was.
   */
  async attach(
    environmentId: number,
    name: string,
    input: GitStackInput & { poll?: string | null },
    principal?: Principal,
  ): Promise<RedeployResult> {
    checkStackInput(input);
    const record = await this.stackOf(environmentId, name);
    await this.repositoryOf(environmentId, input.repositoryId);
    const result = await this.deployCommit(environmentId, name, input, {
      trigger: 'manual',
      principal,
      mode: 'update',
      skipIfCurrent: true,
    });
    await this.options.git.setStackGit(record.id, linkOf(input), deployerOf(principal));
    if (input.poll !== undefined) await this.setPoll(environmentId, record, input.poll);
    return result;
  }

  /** The stack stays as it runs; it just no longer follows the repository. */
  async detach(environmentId: number, name: string): Promise<void> {
    const record = await this.stackOf(environmentId, name);
    const link = await this.options.git.stackGit(record.id);
    if (!link) throw notGit(name);
    await this.setPoll(environmentId, record, null);
    await this.options.git.removeStackGit(record.id);
  }

  /** A stack is being removed: its polling schedule goes (the link goes with the stack's row). */
  async forget(stack: StackRecord): Promise<void> {
    if (await this.options.git.stackGit(stack.id)) await this.setPoll(stack.environmentId, stack, null);
  }

  async view(environmentId: number, name: string): Promise<StackGitView> {
    const record = await this.stackOf(environmentId, name);
    const link = await this.options.git.stackGit(record.id);
    const schedule = link?.pollScheduleId ? await this.options.schedules.get(link.pollScheduleId) : undefined;
    const view = await this.options.git.stackGitView(record.id, schedule?.cron ?? null);
    if (!view) throw notGit(name);
    return view;
  }

  async stackWebhook(environmentId: number, name: string): Promise<WebhookSecretView> {
    const record = await this.stackOf(environmentId, name);
    const hook = await this.options.git.stackWebhookSecret(record.id);
    if (!hook) throw notGit(name);
    return { webhookPath: hook.path, secret: hook.secret };
  }

  async stackDeliveries(environmentId: number, name: string): Promise<WebhookDeliveryView[]> {
    const record = await this.stackOf(environmentId, name);
    return this.options.git.deliveries({ stackId: record.id });
  }

  /** Fetches what the stack follows and deploys it, unless it already runs that commit (not for a manual pull). */
  async redeploy(
    environmentId: number,
    name: string,
    trigger: Exclude<Trigger, 'create'>,
    principal?: Principal,
    detail = '',
  ): Promise<RedeployResult> {
    const record = await this.stackOf(environmentId, name);
    const link = await this.options.git.stackGit(record.id);
    if (!link) throw notGit(name);
    // A push or a poll acts for whoever set what the stack follows, with what they may do now.
    const actor = principal ?? (link.deployer ? await this.options.actFor(link.deployer) : undefined);
    return this.deployCommit(environmentId, name, link, {
      trigger,
      principal: actor,
      mode: 'update',
      skipIfCurrent: trigger !== 'manual',
      detail,
    });
  }

  // --- webhooks

  /**
   * A delivery to `/api/git/webhooks/:token`. Refused (and logged) when the token is unknown,
   * the signature wrong or the delivery a replay; otherwise every stack the push concerns is
   * redeployed in the background and the answer says which ones and why the others were not.
   */
  async webhook(
    token: string,
    headers: Headers,
    body: Uint8Array,
  ): Promise<{ status: number; delivery: Omit<WebhookDeliveryView, 'id' | 'receivedAt'> }> {
    const delivery = readDelivery(headers, body);
    const owner = await this.options.git.webhookOwner(token);
    const base = { ...delivery, ref: '', commit: '', results: [] as WebhookDeliveryView['results'] };
    if (!owner) {
      this.options.logger.warn('git webhook refused: unknown webhook', { provider: delivery.provider });
      throw new HttpError(404, 'WEBHOOK_NOT_FOUND', 'No webhook at this URL');
    }
    const ids = {
      repositoryId: owner.kind === 'repository' ? owner.repositoryId : null,
      stackId: owner.kind === 'stack' ? owner.stackId : null,
    };
    const record = async (
      outcome: WebhookDeliveryView['outcome'],
      reason: string,
      extra: Partial<typeof base> = {},
    ) => {
      const entry = { ...base, ...extra, outcome, reason };
      const id = await this.options.git.recordDelivery({ ...ids, ...entry });
      if (outcome !== 'accepted')
        this.options.logger.info(`git webhook ${outcome}: ${reason}`, {
          delivery: delivery.deliveryId,
          ...ids,
        });
      return { id, entry };
    };
    const verdict = verifySignature(delivery.provider, headers, body, owner.secret);
    if (!verdict.ok) {
      await record('refused', `signature: ${verdict.reason}`);
      throw new HttpError(
        401,
        'WEBHOOK_SIGNATURE_INVALID',
        `The delivery's signature is wrong: ${verdict.reason}`,
      );
    }
    if (await this.options.git.seen(ids, delivery.deliveryId, delivery.payloadDigest)) {
      await record('refused', 'replayed: this delivery (or its payload) was already taken');
      throw new HttpError(409, 'WEBHOOK_REPLAYED', `Delivery ${delivery.deliveryId} was already taken`);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(body));
    } catch {
      payload = Object.fromEntries(new URLSearchParams(new TextDecoder().decode(body)));
      if (typeof (payload as { payload?: string }).payload === 'string')
        payload = JSON.parse((payload as { payload: string }).payload);
    }
    const push = readPush(delivery, payload);
    if (!push) {
      const { entry } = await record('ignored', `not a push (${delivery.event || 'no event'})`);
      return { status: 202, delivery: entry };
    }
    const pushed = { ref: push.ref, commit: push.after ?? '' };
    if (!push.after) {
      const { entry } = await record('ignored', `${push.ref} was deleted`, pushed);
      return { status: 202, delivery: entry };
    }
    const candidates =
      owner.kind === 'repository'
        ? await this.options.git.stacksOf(owner.repositoryId)
        : (await this.options.git.stacksOf(owner.repositoryId)).filter(
            (each) => each.stackId === owner.stackId,
          );
    const results: WebhookDeliveryView['results'] = [];
    const chosen: { name: string; environmentId: number }[] = [];
    for (const stack of candidates) {
      const reason = whyIgnored(stack, push);
      if (reason) results.push({ stack: stack.name, outcome: 'ignored', reason });
      else chosen.push(stack);
    }
    const outcome = chosen.length > 0 ? 'accepted' : 'ignored';
    const reason =
      chosen.length > 0
        ? `redeploying ${chosen.map((each) => each.name).join(', ')}`
        : candidates.length === 0
          ? 'no stack follows this repository'
          : `no stack follows ${push.ref} with files under the changed paths`;
    const { id, entry } = await record(outcome, reason, { ...pushed, results });
    if (chosen.length > 0) void this.redeployAll(id, chosen, results, delivery.deliveryId);
    return {
      status: 202,
      delivery: { ...entry, results: [...results, ...chosen.map((each) => pending(each.name))] },
    };
  }

  /** The stacks of one delivery, one after another; each result is kept in the delivery log. */
  private async redeployAll(
    deliveryRow: number,
    stacks: { name: string; environmentId: number }[],
    results: WebhookDeliveryView['results'],
    deliveryId: string,
  ): Promise<void> {
    for (const stack of stacks) {
      try {
        const result = await this.redeploy(
          stack.environmentId,
          stack.name,
          'webhook',
          undefined,
          `delivery ${deliveryId}`,
        );
        results.push(
          result.job
            ? {
                stack: stack.name,
                outcome: 'deploying',
                reason: `commit ${result.commit.slice(0, 12)}`,
                jobId: result.job.id,
              }
            : { stack: stack.name, outcome: 'ignored', reason: result.skipped ?? '' },
        );
      } catch (error) {
        results.push({
          stack: stack.name,
          outcome: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      await this.options.git
        .updateDeliveryResults(deliveryRow, results)
        .catch((error) => this.options.logger.error('could not record a webhook result', { error }));
    }
  }

  // --- polling

  /** The schedule kind that polls one stack's ref and redeploys when it moved. */
  pollKind(): ScheduleKind {
    return {
      kind: GIT_POLL_KIND,
      label: 'Poll a Git stack',
      permission: 'stacks:deploy',
      environment: 'required',
      parseOptions: (options) => {
        const { stack, ...rest } = options;
        if (Object.keys(rest).length > 0)
          throw new ScheduleInputError('INVALID_OPTIONS', `unknown options: ${Object.keys(rest).join(', ')}`);
        if (typeof stack !== 'string' || stack.length === 0)
          throw new ScheduleInputError('INVALID_OPTIONS', 'stack is the name of a Git stack');
        return { stack };
      },
      run: async ({ schedule }) => {
        const result = await this.redeploy(
          schedule.environmentId ?? 0,
          String(schedule.options.stack),
          'poll',
        );
        return result.job
          ? `deploying ${result.commit.slice(0, 12)} (job ${result.job.id})`
          : (result.skipped ?? 'nothing to do');
      },
    };
  }

  private async setPoll(environmentId: number, stack: StackRecord, cron: string | null): Promise<void> {
    const link = await this.options.git.stackGit(stack.id);
    const existing = link?.pollScheduleId ?? null;
    if (cron === null) {
      if (existing !== null) await this.options.scheduler.remove(existing);
      await this.options.git.setPollSchedule(stack.id, null);
      return;
    }
    try {
      if (existing !== null && (await this.options.scheduler.update(existing, { cron }))) return;
      const schedule = await this.options.scheduler.create({
        kind: GIT_POLL_KIND,
        name: `Poll Git stack ${stack.name} (environment ${environmentId})`,
        cron,
        environmentId,
        options: { stack: stack.name },
      });
      await this.options.git.setPollSchedule(stack.id, schedule.id);
    } catch (error) {
      if (error instanceof ScheduleInputError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
  }

  // --- the fetch and the deploy

  private async deployCommit(
    environmentId: number,
    name: string,
    link: StackGitInput,
    how: {
      trigger: Trigger;
      principal?: Principal;
      mode: 'create' | 'update';
      skipIfCurrent?: boolean;
      variables?: StackVariableInput[];
      detail?: string;
    },
  ): Promise<RedeployResult> {
    const repository = await this.options.git.repository(link.repositoryId);
    if (!repository)
      throw new HttpError(404, 'GIT_REPOSITORY_NOT_FOUND', `No repository ${link.repositoryId}`);
    const fetched = await this.fetchLink(environmentId, name, link, repository, how.skipIfCurrent);
    if ('skipped' in fetched)
      return { stack: name, skipped: `already at ${fetched.skipped.slice(0, 12)}`, commit: fetched.skipped };
    const { git, input } = fetched;
    const deploy = () =>
      this.options.stackService.deploy(
        environmentId,
        name,
        { ...input, variables: how.variables },
        { principal: how.principal, mode: how.mode, origin: 'git', trigger: how.trigger },
      );
    // A push or a poll during a running deploy waits for it (a person gets STACK_BUSY at once).
    if (how.trigger === 'webhook' || how.trigger === 'poll')
      await this.options.stackService.whenIdle(environmentId, name);
    const job = await deploy();
    const automated = how.trigger === 'webhook' || how.trigger === 'poll';
    const actingFor = automated && how.principal ? `, acting for ${how.principal.username}` : '';
    await this.options.audit.record({
      userId: how.principal?.userId ?? null,
      username: automated || !how.principal ? how.trigger : how.principal.username,
      sourceIp: '',
      environmentId,
      action: 'stacks:git-deploy',
      target: name,
      outcome: 'success',
      status: 202,
      detail: `${how.trigger}${how.detail ? ` (${how.detail})` : ''}: ${git.commit.slice(0, 12)} "${firstLine(git.message)}" by ${git.author}, job ${job.id}${actingFor}`,
    });
    await this.prune(environmentId, name).catch((error) =>
      this.options.logger.warn('could not prune old checkouts', { stack: name, error }),
    );
    return { stack: name, job, commit: git.commit };
  }

  /**
   * What the link's ref holds now, over one connection: resolved, checked out in the stack's
   * folder and its files read — the deploy input and the revision's Git record. With
   * `skipIfCurrent`, a commit the stack already runs with the same files is not fetched. A
   * missing compose file is refused here, before anything is deployed.
   */
  private fetchLink(
    environmentId: number,
    name: string,
    link: StackGitInput,
    repository: GitRepositoryView,
  ): Promise<Fetched>;
  private fetchLink(
    environmentId: number,
    name: string,
    link: StackGitInput,
    repository: GitRepositoryView,
    skipIfCurrent: boolean | undefined,
  ): Promise<Fetched | { skipped: string }>;
  private async fetchLink(
    environmentId: number,
    name: string,
    link: StackGitInput,
    repository: GitRepositoryView,
    skipIfCurrent = false,
  ): Promise<Fetched | { skipped: string }> {
    const source = await this.sourceOf(link.repositoryId);
    return withGitSession(source, this.maxBytes, async (session) => {
      const target = await session.resolveRef(link.ref);
      if (skipIfCurrent) {
        const record = await this.options.stacks.get(environmentId, name);
        const current = record && (await this.options.stacks.current(record.id));
        if (
          current?.git?.commit === target.commit &&
          current.git.composePath === link.composePath &&
          current.git.extraFiles.join('\n') === link.extraFiles.join('\n')
        )
          return { skipped: target.commit };
      }
      const dir = this.options.stackService.checkoutDir(environmentId, name, target.commit);
      const info = await this.ensureCheckout(session, target, dir);
      const compose = readInCheckout(dir, link.composePath, 'GIT_COMPOSE_FILE_NOT_FOUND', 'compose file');
      for (const extra of link.extraFiles)
        readInCheckout(dir, extra, 'GIT_COMPOSE_FILE_NOT_FOUND', 'extra compose file');
      const envPath = join(dir, dirname(link.composePath), '.env');
      const git: RevisionGit = {
        repositoryId: repository.id,
        url: repository.url,
        ref: target.ref,
        commit: info.commit,
        author: info.author,
        message: info.message,
        date: info.date,
        composePath: link.composePath,
        extraFiles: link.extraFiles,
      };
      return { git, input: { compose, env: existsSync(envPath) ? readFileSync(envPath, 'utf8') : '', git } };
    });
  }

  /**
   * What "pull and redeploy" would change: the ref's commit now, checked out and planned against
   * what runs, with nothing pulled, created or recorded.
   */
  async preview(environmentId: number, name: string): Promise<GitPreviewView> {
    const record = await this.stackOf(environmentId, name);
    const link = await this.options.git.stackGit(record.id);
    if (!link) throw notGit(name);
    const repository = await this.repositoryOf(environmentId, link.repositoryId);
    const { git, input } = await this.fetchLink(environmentId, name, link, repository);
    const current = await this.options.stacks.current(record.id);
    return {
      ...(await this.options.stackService.preview(environmentId, name, input)),
      commit: { commit: git.commit, author: git.author, message: git.message, date: git.date },
      compose: input.compose,
      env: input.env,
      runningCommit: current?.git?.commit ?? null,
    };
  }

  /** The commit's checkout, fetched into a scratch folder and moved in place once complete. */
  private async ensureCheckout(session: GitSession, target: ResolvedRef, dir: string) {
    const scratch = `${dir}.partial-${crypto.randomUUID().slice(0, 8)}`;
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    // Fetched even when the folder exists: the commit's author and message come with it.
    const info = await session.checkout(target, scratch);
    if (existsSync(dir)) rmSync(scratch, { recursive: true, force: true });
    else renameSync(scratch, dir);
    return info;
  }

  /** Checks a revision's commit out again (a rollback or put-back after its checkout was pruned). */
  async restoreCheckout(git: RevisionGit, dir: string): Promise<void> {
    const source = await this.options.git.source(git.repositoryId);
    if (!source)
      throw new HttpError(
        409,
        'GIT_REPOSITORY_NOT_FOUND',
        `The repository of commit ${git.commit.slice(0, 12)} is no longer configured`,
      );
    await withGitSession(source, this.maxBytes, (session) =>
      this.ensureCheckout(session, { ref: null, commit: git.commit }, dir),
    );
  }

  /** Keeps the checkouts of the stack's last revisions; older ones are fetched again if needed. */
  private async prune(environmentId: number, name: string): Promise<void> {
    const record = await this.options.stacks.get(environmentId, name);
    if (!record) return;
    const keep = new Set(
      (await this.options.stacks.revisions(record.id))
        .slice(0, KEPT_REVISIONS)
        .flatMap((revision) => (revision.git ? [revision.git.commit] : [])),
    );
    const current = await this.options.stacks.current(record.id);
    if (current?.git) keep.add(current.git.commit);
    const folder = dirname(this.options.stackService.checkoutDir(environmentId, name, 'x'));
    for (const entry of readdirSync(folder)) {
      if (isCommitHash(entry) && !keep.has(entry))
        rmSync(join(folder, entry), { recursive: true, force: true });
    }
  }

  // --- plumbing

  private async repositoryOf(environmentId: number, id: number): Promise<GitRepositoryView> {
    const repository = await this.options.git.repository(id);
    if (!repository || repository.environmentId !== environmentId)
      throw new HttpError(404, 'GIT_REPOSITORY_NOT_FOUND', `No repository ${id} on this environment`);
    return repository;
  }

  private async sourceOf(id: number): Promise<GitSource> {
    const source = await this.options.git.source(id);
    if (!source) throw new HttpError(404, 'GIT_REPOSITORY_NOT_FOUND', `No repository ${id}`);
    return source;
  }

  private async stackOf(environmentId: number, name: string): Promise<StackRecord> {
    const record = await this.options.stacks.get(environmentId, name);
    if (!record) throw new HttpError(404, 'STACK_NOT_FOUND', `No stack ${name} on this environment`);
    return record;
  }
}

/** Who set what a stack follows, kept for its webhook and poll deploys (none with auth off). */
function deployerOf(principal: Principal | undefined): GitDeployer | null {
  if (!principal || principal.via === 'auth-off') return null;
  return { userId: principal.userId, tokenScope: principal.tokenScope ?? null };
}

/**
 * The address and credentials fit together and can be read. `create`: an SSH repository brings
 * its key; `update`: a key left out keeps the stored one.
 */
function checkRepositoryInput(input: RepositoryInput, mode: 'create' | 'update'): void {
  assertGitUrl(input.url);
  if (input.auth === 'basic' && !input.username)
    throw new HttpError(400, 'GIT_CREDENTIALS_INVALID', 'A user name goes with a password or token');
  if (isSshUrl(input.url) !== (input.auth === 'ssh'))
    throw new HttpError(
      400,
      'GIT_CREDENTIALS_INVALID',
      input.auth === 'ssh'
        ? 'An SSH key goes with an ssh:// or user@host:path address'
        : 'An ssh address needs an SSH key: generate a deploy key or paste a private key',
    );
  if (input.auth !== 'ssh') return;
  if (input.secret !== undefined)
    readSshAuth({
      privateKey: input.secret,
      passphrase: input.passphrase,
      knownHostKey: input.knownHostKey ?? null,
    });
  else if (mode === 'create')
    throw new HttpError(
      400,
      'GIT_CREDENTIALS_INVALID',
      'An SSH repository needs a deploy key: generate one or paste a private key',
    );
  else readHostKeyPin(input.knownHostKey ?? null);
}

/** Compose paths are relative to the repository root and stay inside it. */
function checkStackInput(input: { ref: string; composePath: string; extraFiles: string[] }): void {
  for (const path of [input.composePath, ...input.extraFiles]) {
    const normal = posix.normalize(path);
    if (
      path.startsWith('/') ||
      path.includes('\\') ||
      normal.startsWith('..') ||
      normal === '.' ||
      normal !== normalize(path)
    )
      throw new HttpError(400, 'GIT_PATH_INVALID', `"${path}" is not a file path inside the repository`);
  }
  if (!input.ref.trim())
    throw new HttpError(400, 'GIT_REF_NOT_FOUND', 'Name a branch, tag or commit to follow');
}

/** A file of the checkout; a symbolic link that leads out of it counts as missing. */
function readInCheckout(root: string, path: string, code: string, what: string): string {
  const full = join(root, path);
  if (!existsSync(full) || !realpathSync(full).startsWith(`${realpathSync(root)}/`))
    throw new HttpError(400, code, `The commit has no ${what} ${path}`);
  return readFileSync(full, 'utf8');
}

/** Why a push does not concern a stack; undefined when it does. */
function whyIgnored(
  stack: { ref: string; composePath: string; extraFiles: string[] },
  push: { ref: string; paths: string[] | null },
): string | undefined {
  if (isCommitHash(stack.ref)) return `pinned to commit ${stack.ref.slice(0, 12)}`;
  const wanted = stack.ref.startsWith('refs/')
    ? [stack.ref]
    : [`refs/heads/${stack.ref}`, `refs/tags/${stack.ref}`];
  if (!wanted.includes(push.ref))
    return `follows ${stack.ref}, not ${push.ref.replace(/^refs\/(heads|tags)\//, '')}`;
  const folders = [stack.composePath, ...stack.extraFiles].map((path) => posix.dirname(path));
  if (!touches(push.paths, folders))
    return `no changed file under ${[...new Set(folders)].map((folder) => (folder === '.' ? '/' : `${folder}/`)).join(', ')}`;
  return undefined;
}

const pending = (stack: string): WebhookDeliveryView['results'][number] => ({
  stack,
  outcome: 'deploying',
  reason: 'fetching',
});

const linkOf = (input: StackGitInput): StackGitInput => ({
  repositoryId: input.repositoryId,
  ref: input.ref,
  composePath: input.composePath,
  extraFiles: input.extraFiles,
});

const notGit = (name: string) =>
  new HttpError(404, 'NOT_A_GIT_STACK', `Stack ${name} does not follow a Git repository`);

const firstLine = (message: string) => message.split('\n')[0]?.slice(0, 100) ?? '';
