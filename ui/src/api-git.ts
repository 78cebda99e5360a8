// Git stacks: an environment's repositories, "test connection", SSH deploy keys and pinned host
// keys, creating a stack from a repository, what a stack follows, pull and redeploy, webhooks
// and their delivery log.
import type {
  DeployKeyView,
  GitAuthKind,
  GitPreviewView,
  GitRefsView,
  GitRepositoryView,
  Job,
  StackGitView,
  WebhookDeliveryView,
  WebhookSecretView,
} from '../../src/docker/views.ts';
import { ApiError, call, errorMessage } from './api';

export type {
  DeployKeyView,
  GitAuthKind,
  GitPreviewView,
  GitRefsView,
  GitRepositoryView,
  StackGitView,
  WebhookDeliveryView,
  WebhookSecretView,
};

export interface Connection {
  url: string;
  auth: GitAuthKind;
  username?: string;
  /** basic: password or token; ssh: a pasted private key. Write-only. */
  secret?: string;
  /** ssh: the sealed token of a key made by "Generate deploy key", instead of `secret`. */
  deployKey?: string;
  /** ssh: the pasted private key's passphrase, when it is encrypted. */
  passphrase?: string;
  /** ssh: the pinned host key (OpenSSH line or SHA256 fingerprint); omitted on update: kept. */
  knownHostKey?: string | null;
}

export interface GitLink {
  repositoryId: number;
  ref: string;
  composePath: string;
  extraFiles?: string[];
  poll?: string | null;
}

export interface RedeployResult {
  stack: string;
  job?: Job;
  skipped?: string;
  commit: string;
}

const git = (environmentId: number) => `api/environments/${environmentId}/git`;
const stackGit = (environmentId: number, name: string) =>
  `api/environments/${environmentId}/stacks/${encodeURIComponent(name)}/git`;

export const gitApi = {
  repositories: (environmentId: number) =>
    call<GitRepositoryView[]>('GET', `${git(environmentId)}/repositories`),
  createRepository: (environmentId: number, input: Connection & { name: string }) =>
    call<GitRepositoryView>('POST', `${git(environmentId)}/repositories`, input),
  updateRepository: (environmentId: number, repositoryId: number, input: Connection & { name: string }) =>
    call<GitRepositoryView>('PUT', `${git(environmentId)}/repositories/${repositoryId}`, input),
  /** Pins (or replaces) a saved repository's SSH host key, keeping the rest of it. */
  pinHostKey: (environmentId: number, repository: GitRepositoryView, knownHostKey: string) =>
    gitApi.updateRepository(environmentId, repository.id, {
      name: repository.name,
      url: repository.url,
      auth: repository.auth,
      username: repository.username,
      knownHostKey,
    }),
  generateDeployKey: (environmentId: number, kind: DeployKeyView['kind']) =>
    call<DeployKeyView>('POST', `${git(environmentId)}/deploy-keys`, { kind }),
  test: (environmentId: number, input: Connection) =>
    call<GitRefsView>('POST', `${git(environmentId)}/test`, input),
  refs: (environmentId: number, repositoryId: number) =>
    call<GitRefsView>('GET', `${git(environmentId)}/repositories/${repositoryId}/refs`),
  repositoryWebhook: (environmentId: number, repositoryId: number) =>
    call<WebhookSecretView>('GET', `${git(environmentId)}/repositories/${repositoryId}/webhook`),
  repositoryDeliveries: (environmentId: number, repositoryId: number) =>
    call<WebhookDeliveryView[]>('GET', `${git(environmentId)}/repositories/${repositoryId}/deliveries`),
  createStack: (environmentId: number, name: string, link: GitLink) =>
    call<Job>('POST', `${git(environmentId)}/stacks`, { name, ...link }),
  stack: (environmentId: number, name: string) => call<StackGitView>('GET', stackGit(environmentId, name)),
  attach: (environmentId: number, name: string, link: GitLink) =>
    call<RedeployResult>('PUT', stackGit(environmentId, name), link),
  detach: (environmentId: number, name: string) => call<void>('DELETE', stackGit(environmentId, name)),
  redeploy: (environmentId: number, name: string) =>
    call<RedeployResult>('POST', `${stackGit(environmentId, name)}/redeploy`),
  /** What "pull and redeploy" would change, with nothing deployed. */
  preview: (environmentId: number, name: string) =>
    call<GitPreviewView>('POST', `${stackGit(environmentId, name)}/preview`),
  stackWebhook: (environmentId: number, name: string) =>
    call<WebhookSecretView>('GET', `${stackGit(environmentId, name)}/webhook`),
  stackDeliveries: (environmentId: number, name: string) =>
    call<WebhookDeliveryView[]>('GET', `${stackGit(environmentId, name)}/deliveries`),
};

/** The webhook's full URL as the Git server must call it (Windflow may sit under a path prefix). */
export function webhookUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

/** An answer that asks the person about an SSH server's host key: a first connection, or a changed key. */
export function hostKeyQuestion(error: unknown): ApiError | undefined {
  return error instanceof ApiError &&
    error.hostKey &&
    (error.code === 'UNKNOWN_HOST_KEY' || error.code === 'HOST_KEY_MISMATCH')
    ? error
    : undefined;
}

/** A failure as the person should read it: what to do about it where the server's words do not say. */
export function gitErrorText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'SSH_AUTH_FAILED')
    return 'The server refused the SSH key: add its public key to the repository as a deploy key (read-only is enough), or check the user name in the URL, then test again.';
  return errorMessage(error);
}
