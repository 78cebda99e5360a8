// Git stacks: an environment's repositories, "test connection", creating a stack from a
// repository, what a stack follows, pull and redeploy, webhooks and their delivery log.
import type {
  GitRefsView,
  GitRepositoryView,
  Job,
  StackGitView,
  WebhookDeliveryView,
  WebhookSecretView,
} from '../../src/docker/views.ts';
import { call } from './api';

export type { GitRefsView, GitRepositoryView, StackGitView, WebhookDeliveryView, WebhookSecretView };

export interface Connection {
  url: string;
  auth: 'none' | 'basic';
  username?: string;
  /** Password or token: write-only. */
  secret?: string;
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
  stackWebhook: (environmentId: number, name: string) =>
    call<WebhookSecretView>('GET', `${stackGit(environmentId, name)}/webhook`),
  stackDeliveries: (environmentId: number, name: string) =>
    call<WebhookDeliveryView[]>('GET', `${stackGit(environmentId, name)}/deliveries`),
};

/** The webhook's full URL as the Git server must call it (Windflow may sit under a path prefix). */
export function webhookUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}
