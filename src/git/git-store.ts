// Git repositories of an environment (URL, credentials sealed with the secret box — a password
// or token, or an SSH private key with its pinned host key — a webhook token and sealed secret), each stack's link to one (ref, compose file, extra files, its own
// webhook), and the webhook delivery log.
import { randomBytes } from 'node:crypto';
import type { TokenGrant } from '../auth/permissions.ts';
import type {
  DeliveryOutcome,
  GitAuthKind,
  GitRepositoryView,
  StackGitView,
  WebhookDeliveryView,
} from '../docker/views.ts';
import type { Database } from '../store/database.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { GitAuth, GitSource } from './git-source.ts';
import { isSshUrl, parseSshUrl, readSshAuth } from './ssh-transport.ts';

export const WEBHOOK_PREFIX = '/api/git/webhooks/';

interface RepositoryRow {
  id: number;
  environment_id: number;
  name: string;
  url: string;
  auth_kind: GitAuthKind;
  username: string;
  secret: string | null;
  known_host_key: string | null;
  webhook_token: string;
  webhook_secret: string;
  created_at: string;
  updated_at: string;
  stacks?: number;
}

interface StackGitRow {
  stack_id: number;
  repository_id: number;
  ref: string;
  compose_path: string;
  extra_files: string;
  webhook_token: string;
  webhook_secret: string;
  poll_schedule_id: number | null;
  deployer_id: number | null;
  deployer_scope: string | null;
  deployer_name?: string | null;
}

interface DeliveryRow {
  id: number;
  delivery_id: string;
  provider: string;
  event: string;
  ref: string;
  git_commit: string;
  outcome: DeliveryOutcome;
  reason: string;
  results: string;
  received_at: string;
}

export interface RepositoryInput {
  name: string;
  url: string;
  auth: GitAuthKind;
  username?: string;
  /** basic: password or token; ssh: the private key. Undefined on update keeps the stored one. */
  secret?: string;
  /** ssh: the private key's passphrase, if it has one (goes with a new `secret`). */
  passphrase?: string;
  /** ssh: the pinned host key (key line or SHA256 fingerprint); undefined on update keeps the pin. */
  knownHostKey?: string | null;
}

/** What an SSH repository's sealed secret holds. */
interface SshSecret {
  privateKey: string;
  passphrase?: string;
}

/** Marks a sealed deploy-key token so no other sealed value can be passed off as one. */
const DEPLOY_KEY_PURPOSE = 'windflow-git-deploy-key';

export interface StackGitInput {
  repositoryId: number;
  ref: string;
  composePath: string;
  extraFiles: string[];
}

/**
 * Who a stack's webhook and poll deploys act for: the person who last set what it follows, with
 * the scope of the API token they did it with (their roles are read again at each deploy).
 */
export interface GitDeployer {
  userId: number;
  tokenScope: readonly TokenGrant[] | null;
}

export interface StackGitLink extends StackGitInput {
  stackId: number;
  pollScheduleId: number | null;
  deployer: GitDeployer | null;
}

/** Who a webhook token belongs to. */
export type WebhookOwner =
  | { kind: 'repository'; repositoryId: number; environmentId: number; secret: string }
  | { kind: 'stack'; stackId: number; repositoryId: number; secret: string };

/** A delivery to log: what the log shows of it, whose webhook it came to, and its payload's digest. */
export interface NewDelivery extends Omit<WebhookDeliveryView, 'id' | 'receivedAt'> {
  repositoryId: number | null;
  stackId: number | null;
  payloadDigest: string;
}

/** Deliveries kept per webhook. */
const KEPT_DELIVERIES = 200;

const REPOSITORY_SELECT = `SELECT r.*, (SELECT COUNT(*) FROM stack_git g WHERE g.repository_id = r.id) AS stacks
  FROM git_repositories r`;

export class GitStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  // --- repositories

  async repositories(environmentId: number): Promise<GitRepositoryView[]> {
    const rows = await this.db.all<RepositoryRow>(
      `${REPOSITORY_SELECT} WHERE r.environment_id = ? ORDER BY r.name`,
      [environmentId],
    );
    return rows.map((row) => this.toRepository(row));
  }

  async repository(id: number): Promise<GitRepositoryView | undefined> {
    const row = await this.db.get<RepositoryRow>(`${REPOSITORY_SELECT} WHERE r.id = ?`, [id]);
    return row && this.toRepository(row);
  }

  async createRepository(environmentId: number, input: RepositoryInput): Promise<GitRepositoryView> {
    const now = new Date().toISOString();
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO git_repositories
         (environment_id, name, url, auth_kind, username, secret, known_host_key, webhook_token, webhook_secret, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        environmentId,
        input.name,
        input.url,
        input.auth,
        input.auth === 'basic' ? (input.username ?? '') : '',
        input.secret ? this.sealSecret(input) : null,
        input.auth === 'ssh' ? (input.knownHostKey ?? null) : null,
        newToken(),
        this.box.encrypt(newSecret()),
        now,
        now,
      ],
    );
    return (await this.repository(Number(row?.id))) as GitRepositoryView;
  }

  async updateRepository(id: number, input: RepositoryInput): Promise<GitRepositoryView | undefined> {
    const current = await this.db.get<RepositoryRow>('SELECT * FROM git_repositories WHERE id = ?', [id]);
    if (!current) return undefined;
    const secret =
      input.auth === 'none'
        ? null
        : input.secret !== undefined
          ? this.sealSecret(input)
          : current.auth_kind === input.auth
            ? current.secret
            : null;
    await this.db.run(
      'UPDATE git_repositories SET name = ?, url = ?, auth_kind = ?, username = ?, secret = ?, known_host_key = ?, updated_at = ? WHERE id = ?',
      [
        input.name,
        input.url,
        input.auth,
        input.auth === 'basic' ? (input.username ?? '') : '',
        secret,
        input.auth !== 'ssh'
          ? null
          : input.knownHostKey !== undefined
            ? input.knownHostKey
            : sameSshServer(current.url, input.url)
              ? current.known_host_key
              : null,
        new Date().toISOString(),
        id,
      ],
    );
    return this.repository(id);
  }

  async removeRepository(id: number): Promise<void> {
    await this.db.run('DELETE FROM git_repositories WHERE id = ?', [id]);
  }

  /** The repository with its credentials opened: for fetching only, never for an answer. */
  async source(id: number): Promise<GitSource | undefined> {
    const row = await this.db.get<RepositoryRow>('SELECT * FROM git_repositories WHERE id = ?', [id]);
    return row && { url: row.url, auth: this.authOf(row) };
  }

  /** A new deploy key's private half sealed for the browser to hand back: it never sees the key. */
  sealDeployKey(privateKey: string): string {
    return this.box.encrypt(JSON.stringify({ purpose: DEPLOY_KEY_PURPOSE, privateKey }));
  }

  /** The private key of a token from sealDeployKey; undefined for anything else. */
  openDeployKey(token: string): string | undefined {
    try {
      const opened = JSON.parse(this.box.decrypt(token)) as { purpose?: string; privateKey?: string };
      return opened.purpose === DEPLOY_KEY_PURPOSE ? opened.privateKey : undefined;
    } catch {
      return undefined;
    }
  }

  private sealSecret(input: RepositoryInput): string {
    const secret = input.secret as string;
    if (input.auth !== 'ssh') return this.box.encrypt(secret);
    const sealed: SshSecret = {
      privateKey: secret,
      ...(input.passphrase ? { passphrase: input.passphrase } : {}),
    };
    return this.box.encrypt(JSON.stringify(sealed));
  }

  private authOf(row: RepositoryRow): GitAuth {
    if (row.auth_kind === 'basic')
      return {
        kind: 'basic',
        username: row.username,
        password: row.secret ? this.box.decrypt(row.secret) : '',
      };
    if (row.auth_kind === 'ssh') {
      const secret: SshSecret = row.secret
        ? (JSON.parse(this.box.decrypt(row.secret)) as SshSecret)
        : { privateKey: '' };
      return { kind: 'ssh', ...secret, knownHostKey: row.known_host_key };
    }
    return { kind: 'none' };
  }

  private toRepository(row: RepositoryRow): GitRepositoryView {
    return {
      id: Number(row.id),
      environmentId: Number(row.environment_id),
      name: row.name,
      url: row.url,
      auth: row.auth_kind,
      username: row.username,
      hasSecret: row.secret !== null,
      ...this.sshKeysOf(row),
      webhookPath: `${WEBHOOK_PREFIX}${row.webhook_token}`,
      stacks: Number(row.stacks ?? 0),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** What users compare for an SSH repository: the deploy key to add and the pinned host key. */
  private sshKeysOf(row: RepositoryRow): { publicKey: string | null; hostKeyFingerprint: string | null } {
    const auth = this.authOf(row);
    if (auth.kind !== 'ssh') return { publicKey: null, hostKeyFingerprint: null };
    try {
      const { publicKey, pinnedFingerprint } = readSshAuth(auth);
      return { publicKey: publicKey.line, hostKeyFingerprint: pinnedFingerprint };
    } catch {
      return { publicKey: null, hostKeyFingerprint: null };
    }
  }

  // --- stacks' links

  async stackGit(stackId: number): Promise<StackGitLink | undefined> {
    const row = await this.db.get<StackGitRow>('SELECT * FROM stack_git WHERE stack_id = ?', [stackId]);
    return row && toLink(row);
  }

  /** The link as answers show it, with its repository. */
  async stackGitView(stackId: number, poll: string | null): Promise<StackGitView | undefined> {
    const row = await this.db.get<StackGitRow>(
      `SELECT g.*, u.username AS deployer_name FROM stack_git g LEFT JOIN users u ON u.id = g.deployer_id
       WHERE g.stack_id = ?`,
      [stackId],
    );
    if (!row) return undefined;
    const repository = await this.repository(Number(row.repository_id));
    if (!repository) return undefined;
    const link = toLink(row);
    return {
      repository,
      ref: link.ref,
      composePath: link.composePath,
      extraFiles: link.extraFiles,
      webhookPath: `${WEBHOOK_PREFIX}${row.webhook_token}`,
      poll,
      pollScheduleId: link.pollScheduleId,
      deploysAs: row.deployer_name ?? null,
    };
  }

  /**
   * Links the stack (or changes its link) and records who did it, for the deploys its webhook
   * and polling start; the stack's webhook keeps its URL and secret.
   */
  async setStackGit(stackId: number, input: StackGitInput, deployer: GitDeployer | null): Promise<void> {
    const now = new Date().toISOString();
    const deployerId = deployer?.userId ?? null;
    const deployerScope = deployer?.tokenScope ? JSON.stringify(deployer.tokenScope) : null;
    await this.db.transaction(async (tx) => {
      const existing = await tx.get('SELECT stack_id FROM stack_git WHERE stack_id = ?', [stackId]);
      if (existing) {
        await tx.run(
          `UPDATE stack_git SET repository_id = ?, ref = ?, compose_path = ?, extra_files = ?,
             deployer_id = ?, deployer_scope = ?, updated_at = ? WHERE stack_id = ?`,
          [
            input.repositoryId,
            input.ref,
            input.composePath,
            JSON.stringify(input.extraFiles),
            deployerId,
            deployerScope,
            now,
            stackId,
          ],
        );
        return;
      }
      await tx.run(
        `INSERT INTO stack_git
           (stack_id, repository_id, ref, compose_path, extra_files, webhook_token, webhook_secret,
            deployer_id, deployer_scope, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          stackId,
          input.repositoryId,
          input.ref,
          input.composePath,
          JSON.stringify(input.extraFiles),
          newToken(),
          this.box.encrypt(newSecret()),
          deployerId,
          deployerScope,
          now,
          now,
        ],
      );
    });
  }

  async setPollSchedule(stackId: number, scheduleId: number | null): Promise<void> {
    await this.db.run('UPDATE stack_git SET poll_schedule_id = ? WHERE stack_id = ?', [scheduleId, stackId]);
  }

  async removeStackGit(stackId: number): Promise<void> {
    await this.db.run('DELETE FROM stack_git WHERE stack_id = ?', [stackId]);
  }

  /** Stacks (id and name) that follow the repository. */
  async stacksOf(repositoryId: number): Promise<(StackGitLink & { name: string; environmentId: number })[]> {
    const rows = await this.db.all<StackGitRow & { name: string; environment_id: number }>(
      `SELECT g.*, s.name, s.environment_id FROM stack_git g JOIN stacks s ON s.id = g.stack_id
       WHERE g.repository_id = ? ORDER BY s.name`,
      [repositoryId],
    );
    return rows.map((row) => ({ ...toLink(row), name: row.name, environmentId: Number(row.environment_id) }));
  }

  // --- webhooks

  async webhookOwner(token: string): Promise<WebhookOwner | undefined> {
    const repository = await this.db.get<RepositoryRow>(
      'SELECT * FROM git_repositories WHERE webhook_token = ?',
      [token],
    );
    if (repository)
      return {
        kind: 'repository',
        repositoryId: Number(repository.id),
        environmentId: Number(repository.environment_id),
        secret: this.box.decrypt(repository.webhook_secret),
      };
    const link = await this.db.get<StackGitRow>('SELECT * FROM stack_git WHERE webhook_token = ?', [token]);
    if (link)
      return {
        kind: 'stack',
        stackId: Number(link.stack_id),
        repositoryId: Number(link.repository_id),
        secret: this.box.decrypt(link.webhook_secret),
      };
    return undefined;
  }

  async repositoryWebhookSecret(repositoryId: number): Promise<{ path: string; secret: string } | undefined> {
    const row = await this.db.get<RepositoryRow>('SELECT * FROM git_repositories WHERE id = ?', [
      repositoryId,
    ]);
    return (
      row && { path: `${WEBHOOK_PREFIX}${row.webhook_token}`, secret: this.box.decrypt(row.webhook_secret) }
    );
  }

  async stackWebhookSecret(stackId: number): Promise<{ path: string; secret: string } | undefined> {
    const row = await this.db.get<StackGitRow>('SELECT * FROM stack_git WHERE stack_id = ?', [stackId]);
    return (
      row && { path: `${WEBHOOK_PREFIX}${row.webhook_token}`, secret: this.box.decrypt(row.webhook_secret) }
    );
  }

  /** Whether this webhook already took this delivery, or one with the same payload. */
  async seen(
    owner: { repositoryId: number | null; stackId: number | null },
    deliveryId: string,
    payloadDigest: string,
  ): Promise<boolean> {
    const row = await this.db.get(
      `SELECT id FROM git_webhook_deliveries
       WHERE ${owner.stackId !== null ? 'stack_id = ? AND repository_id IS NULL' : 'repository_id = ? AND stack_id IS NULL'}
         AND outcome <> 'refused' AND (delivery_id = ? OR payload_digest = ?)`,
      [owner.stackId ?? owner.repositoryId, deliveryId, payloadDigest],
    );
    return row !== undefined;
  }

  async recordDelivery(delivery: NewDelivery): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO git_webhook_deliveries
         (repository_id, stack_id, delivery_id, payload_digest, provider, event, ref, git_commit, outcome, reason, results, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        delivery.repositoryId,
        delivery.stackId,
        delivery.deliveryId,
        delivery.payloadDigest,
        delivery.provider,
        delivery.event,
        delivery.ref,
        delivery.commit,
        delivery.outcome,
        delivery.reason,
        JSON.stringify(delivery.results),
        new Date().toISOString(),
      ],
    );
    const column = delivery.stackId !== null ? 'stack_id' : 'repository_id';
    const owner = delivery.stackId ?? delivery.repositoryId;
    await this.db.run(
      `DELETE FROM git_webhook_deliveries WHERE ${column} = ? AND id NOT IN
         (SELECT id FROM git_webhook_deliveries WHERE ${column} = ? ORDER BY id DESC LIMIT ${KEPT_DELIVERIES})`,
      [owner, owner],
    );
    return Number(row?.id);
  }

  async updateDeliveryResults(id: number, results: WebhookDeliveryView['results']): Promise<void> {
    await this.db.run('UPDATE git_webhook_deliveries SET results = ? WHERE id = ?', [
      JSON.stringify(results),
      id,
    ]);
  }

  /** Newest first: a repository's webhook deliveries, or a stack's own webhook's. */
  async deliveries(
    owner: { repositoryId?: number; stackId?: number },
    limit = 50,
  ): Promise<WebhookDeliveryView[]> {
    const rows = await this.db.all<DeliveryRow>(
      owner.stackId !== undefined
        ? `SELECT * FROM git_webhook_deliveries WHERE stack_id = ? ORDER BY id DESC LIMIT ${limit}`
        : `SELECT * FROM git_webhook_deliveries WHERE repository_id = ? AND stack_id IS NULL ORDER BY id DESC LIMIT ${limit}`,
      [owner.stackId ?? owner.repositoryId],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      deliveryId: row.delivery_id,
      provider: row.provider,
      event: row.event,
      ref: row.ref,
      commit: row.git_commit,
      outcome: row.outcome,
      reason: row.reason,
      results: JSON.parse(row.results) as WebhookDeliveryView['results'],
      receivedAt: row.received_at,
    }));
  }
}

/** The URL part that names a webhook: unguessable, 192 bits. */
const newToken = () => randomBytes(24).toString('base64url');
/** The shared secret the Git server signs with. */
const newSecret = () => randomBytes(32).toString('hex');

/** Whether two ssh addresses name one server (the pinned host key stays valid). */
function sameSshServer(before: string, after: string): boolean {
  if (!isSshUrl(before) || !isSshUrl(after)) return false;
  try {
    const [a, b] = [parseSshUrl(before), parseSshUrl(after)];
    return a.host === b.host && a.port === b.port;
  } catch {
    return false;
  }
}

function toLink(row: StackGitRow): StackGitLink {
  return {
    stackId: Number(row.stack_id),
    repositoryId: Number(row.repository_id),
    ref: row.ref,
    composePath: row.compose_path,
    extraFiles: JSON.parse(row.extra_files) as string[],
    pollScheduleId: row.poll_schedule_id === null ? null : Number(row.poll_schedule_id),
    deployer:
      row.deployer_id === null
        ? null
        : {
            userId: Number(row.deployer_id),
            tokenScope: row.deployer_scope ? (JSON.parse(row.deployer_scope) as TokenGrant[]) : null,
          },
  };
}
