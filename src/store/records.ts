// The records the store keeps, in the shape the API answers with them (secrets only as "is it
// set"). Dependency-free but for permission names, so the UI imports these as types too.
import type { Grant, TokenGrant } from '../auth/permissions.ts';

// Environments: the Docker endpoints Windflow manages.
// hawser-standard: an agent Windflow connects to (URL + token); edge: an agent that dials in.
export type EnvironmentType = 'local-socket' | 'tcp' | 'tcp-tls' | 'hawser-standard' | 'edge';
export type AgentKind = Extract<EnvironmentType, 'hawser-standard' | 'edge'>;

export function isAgentKind(type: EnvironmentType): type is AgentKind {
  return type === 'hawser-standard' || type === 'edge';
}

export interface Environment {
  id: number;
  name: string;
  type: EnvironmentType;
  /**
   * Socket path for local-socket, host:port for tcp and tcp-tls, [https://]host:port for
   * hawser-standard, empty for edge (the agent dials in).
   */
  address: string;
  labels: Record<string, string>;
  tls: { ca: boolean; cert: boolean; key: boolean };
  hostPolicy: HostAccessPolicy;
  createdAt: string;
  updatedAt: string;
  /** hawser-standard and edge: the agent's state (the API adds it; the store does not). */
  agent?: AgentStatus;
}

/** Host-level powers an environment may open to people without `host:access`. */
export type OpenableHostPower =
  | 'privileged'
  | 'capabilities'
  | 'devices'
  | 'host-namespaces'
  | 'security-options';

/** Which host paths and powers need no `host:access` on an environment (none by default). */
export interface HostAccessPolicy {
  /** Host directories that, with everything below them, anyone who may create containers may bind-mount. */
  allowedBindPaths: string[];
  openPowers: OpenableHostPower[];
}

export interface TlsMaterialInput {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface EnvironmentInput {
  name: string;
  type: EnvironmentType;
  address: string;
  labels?: Record<string, string>;
  /** On update: an omitted part is kept, an empty string clears it. */
  tls?: TlsMaterialInput;
  /** Omitted: closed on create, kept on update. */
  hostPolicy?: HostAccessPolicy;
  /** hawser-standard: the agent's TOKEN, sent with every request; write-only. */
  agentToken?: string;
}

/** What an environment's agent said about itself, and how its link is now. */
export interface AgentStatus {
  kind: AgentKind;
  connected: boolean;
  /** The credential's last characters, to tell tokens apart; never the token. */
  tokenHint: string | null;
  agentId: string | null;
  agentName: string | null;
  agentVersion: string | null;
  protocolVersion: string | null;
  dockerVersion: string | null;
  hostname: string | null;
  capabilities: string[];
  /** Extras negotiated beyond the Hawser protocol (Windflow's own agent). */
  extras: string[];
  connectedAt: string | null;
  lastSeenAt: string | null;
  /** Round trip of the last server ping, for edge agents. */
  latencyMs: number | null;
}

/** What adding an edge environment gives once: its token and the commands that start an agent. */
export interface EdgeEnrolment {
  token: string;
  serverUrl: string;
  commands: { windflow: string; hawser: string };
}

export interface AgentConnectionEvent {
  event: 'connected' | 'disconnected' | 'refused';
  detail: string;
  remoteAddress: string | null;
  at: string;
}

// Saved container registries.
export interface Registry {
  id: number;
  name: string;
  /** http(s)://host[:port], the registry's v2 API root without /v2. */
  url: string;
  username: string | null;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface RegistryInput {
  name: string;
  url: string;
  /** On update: undefined keeps the stored one, '' clears it. */
  username?: string;
  /** On update: undefined keeps the stored one, '' clears it. */
  password?: string;
}

// People, and what they may do.
export type UserSource = 'local' | 'ldap' | `oidc:${string}`;

export interface User {
  id: number;
  username: string;
  displayName: string;
  email: string;
  source: UserSource;
  disabled: boolean;
  mfaEnabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A user as admins see them in the list: with whether failed logins delay theirs now. */
export interface ManagedUser extends User {
  /** Until when logins for this account wait after failed attempts; null: no wait. */
  loginDelayedUntil: string | null;
}

export interface Role {
  id: number;
  name: string;
  description: string;
  grants: Grant[];
  builtin: boolean;
}

export interface RoleBinding {
  roleId: number;
  roleName: string;
  /** null: every environment. */
  environmentId: number | null;
  /** 'provider' bindings are replaced at each LDAP or OIDC login from the group mapping. */
  source: 'manual' | 'provider';
}

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  /** The first characters, so a person can tell tokens apart. */
  prefix: string;
  scope: TokenGrant[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface Session {
  id: string;
  userId: number;
  csrfToken: string;
  mfaPending: boolean;
  sourceIp: string;
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** A session as its owner sees it in the list: never its CSRF token. */
export type SessionView = Omit<Session, 'csrfToken'> & { current: boolean };

/** The signed-in person as /api/auth/me answers, with the CSRF token their session needs. */
export interface Me {
  user: User;
  roles: RoleBinding[];
  csrfToken: string;
}

// Logging in with a directory or an identity provider.
export type AuthProviderKind = 'ldap' | 'oidc' | 'oauth2';

export interface AuthProvider {
  id: number;
  /** Used in URLs: /api/auth/ldap/:slug/login, /api/auth/oauth/:slug/start. */
  slug: string;
  kind: AuthProviderKind;
  name: string;
  enabled: boolean;
  /** Kind-specific settings without the secret. */
  settings: Record<string, unknown>;
  hasSecret: boolean;
  /** Directory or IdP group name -> Windflow role name. */
  groupRoles: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface AuthProviderInput {
  slug: string;
  kind: AuthProviderKind;
  name: string;
  enabled?: boolean;
  settings: Record<string, unknown>;
  /** undefined keeps the stored one on update; '' clears it. */
  secret?: string;
  groupRoles?: Record<string, string>;
}

// Instance settings and the audit log.
export type MfaRequirement = 'off' | 'admins' | 'all';

export interface SecuritySettings {
  /** Who must have a second factor before doing anything but enrolling one. */
  mfaRequired: MfaRequirement;
  /** Audit entries older than this are deleted daily. */
  auditRetentionDays: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  userId: number | null;
  username: string;
  sourceIp: string;
  environmentId: number | null;
  action: string;
  target: string;
  outcome: 'success' | 'failure' | 'denied';
  status: number;
  detail: string;
}

// Schedules: recurring work the daemon runs (update checks, auto-updates, scans, clean-ups).
export type ScheduleRunStatus = 'succeeded' | 'failed' | 'interrupted';

export interface Schedule {
  id: number;
  /** Which registered kind of work it runs: update-check, auto-update, scan, image-prune ... */
  kind: string;
  name: string;
  /** Five or six fields (seconds first when six), as croner reads them. */
  cron: string;
  /** An IANA time zone the cron expression is read in. */
  timezone: string;
  enabled: boolean;
  /** The environment it works on; null for work that is not about one. */
  environmentId: number | null;
  /** What the kind needs to know (an auto-update's policy, a prune's filters). */
  options: Record<string, unknown>;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: ScheduleRunStatus | null;
  /** One line saying what the last run did, or why it failed. */
  lastSummary: string | null;
  lastDurationMs: number | null;
  /** Set while a run is under way. */
  runningSince: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleInput {
  kind: string;
  name: string;
  cron: string;
  timezone?: string;
  enabled?: boolean;
  environmentId?: number | null;
  options?: Record<string, unknown>;
}

// Compose stacks and their history.
/** How a stack came to Windflow. */
export type StackOrigin = 'editor' | 'upload' | 'docker-run' | 'adopted' | 'git';

/** What became of a deploy: still going, running, failed and put back, or failed with nothing to put back. */
export type RevisionOutcome = 'deploying' | 'deployed' | 'rolled-back' | 'failed';

export interface StackRecord {
  id: number;
  environmentId: number;
  name: string;
  origin: StackOrigin;
  createdAt: string;
  updatedAt: string;
}

export interface StackRevision {
  number: number;
  compose: string;
  /** The .env text it deployed with. */
  env: string;
  /** Service -> the image it ran, by digest (repo@sha256:...) where the image has one, else by id. */
  images: Record<string, string>;
  outcome: RevisionOutcome;
  /** Why it failed, or what put it back. */
  message: string;
  /** Set on a rollback: the revision it restored. */
  rollbackOf: number | null;
  jobId: string | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  /** The commit a Git stack's revision came from (null for one written in Windflow). */
  git: RevisionGit | null;
  /** What started it: 'editor', 'create', 'manual', 'webhook', 'poll', 'rollback' (empty before Git stacks). */
  trigger: string;
}

/** Where a revision's files came from in Git: enough to check them out again. */
export interface RevisionGit {
  repositoryId: number;
  url: string;
  /** The full ref it followed (refs/heads/main), null when it followed a commit. */
  ref: string | null;
  commit: string;
  /** "Name <email>". */
  author: string;
  message: string;
  /** When the commit was authored (ISO). */
  date: string;
  /** The compose file and the extra ones, relative to the repository root. */
  composePath: string;
  extraFiles: string[];
}

/** A stack variable as answers show it: a secret's value never leaves the store. */
export interface StackVariable {
  name: string;
  secret: boolean;
  /** null for a secret. */
  value: string | null;
}

export interface StackVariableInput {
  name: string;
  secret?: boolean;
  /** For a secret: undefined keeps the stored value. */
  value?: string;
}

// Notification channels: where Windflow tells people what happened.
export interface QuietHours {
  /** "22:00" */
  start: string;
  /** "07:00"; may be earlier than start (the quiet spans midnight). */
  end: string;
  timezone: string;
}

export interface NotificationChannel {
  id: number;
  name: string;
  /** email, webhook, slack, discord, teams, telegram, ntfy, gotify, pushover, matrix. */
  kind: string;
  enabled: boolean;
  /** The kind's settings that are not secret (server URL, recipients ...). */
  settings: Record<string, string>;
  /** Names of the secret settings that are set; their values are never returned. */
  secretsSet: string[];
  /** The event types it takes. */
  events: string[];
  minSeverity: string;
  /** One message per schedule run instead of one per event. */
  digest: boolean;
  /** Non-critical messages wait until the quiet hours end, then go as one. */
  quietHours: QuietHours | null;
  createdAt: string;
  updatedAt: string;
}

export interface NotificationChannelInput {
  name: string;
  kind: string;
  enabled?: boolean;
  settings?: Record<string, string>;
  /** On update: a name left out keeps its value, '' clears it. */
  secrets?: Record<string, string>;
  events?: string[];
  minSeverity?: string;
  digest?: boolean;
  quietHours?: QuietHours | null;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'sent' | 'failed' | 'held';

export interface NotificationDelivery {
  id: number;
  channelId: number;
  channelName: string;
  /** The event type, "digest" or "test". */
  event: string;
  severity: string;
  title: string;
  message: string;
  eventCount: number;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** Held (quiet hours) until then; a retry's next attempt. */
  notBefore: string | null;
  createdAt: string;
  finishedAt: string | null;
}
