// The shapes the API answers with and takes, shared by the server and the UI: the engine at a
// glance, containers, their form and usage, images, registry tags, volumes, their files,
// networks, disk usage, the clean-up and the background jobs. Types, and the one list the
// clean-up's kinds and what Podman lacks are made of; nothing that runs.
import type { Permission } from '../auth/permissions.ts';
import type { HostReading } from '../monitoring/readings.ts';
import type { ContainerInspect } from './types.ts';

/** An environment's engine at a glance: version, host facts and resource counts. */
/** Which program answers the Engine API: Docker, or Podman through its compatible API. */
export type EngineKind = 'docker' | 'podman';

/** What Podman's API does not have, and why: the API's NOT_ON_PODMAN answers and the UI's notes. */
export const NOT_ON_PODMAN = {
  buildCache: {
    feature: 'The build cache',
    why: 'Podman builds with Buildah, whose cache is the images themselves',
  },
  attachable: {
    feature: 'An attachable network',
    why: 'attaching is a Swarm feature, and Podman has no Swarm',
  },
} as const;

export interface EnvironmentInfo {
  engine: {
    kind: EngineKind;
    name: string;
    version: string;
    apiVersion: string;
    os: string;
    arch: string;
    kernelVersion: string;
    cpus: number;
    memoryBytes: number;
  };
  counts: {
    containers: { total: number; running: number; paused: number; stopped: number };
    images: number;
    volumes: number;
    networks: number;
  };
}

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface PortSpec {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** Absent: exposed only. 0: any free host port. */
  hostPort?: number;
  hostIp?: string;
}

export interface MountSpec {
  type: 'bind' | 'volume';
  /** A host path for binds, a volume name for volumes. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface NetworkSpec {
  name: string;
  aliases: string[];
  ipv4Address?: string;
}

export interface HealthcheckSpec {
  /** Run with the container's shell (CMD-SHELL). */
  command: string;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
}

export interface ContainerSpec {
  image: string;
  name?: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  ports: PortSpec[];
  mounts: MountSpec[];
  networks: NetworkSpec[];
  restartPolicy: RestartPolicyName;
  maxRetries?: number;
  labels: Record<string, string>;
  /** "512m", "1g" or bytes; absent or empty: no limit. */
  memory?: string;
  /** CPUs, e.g. 0.5. */
  cpus?: number;
  user?: string;
  workingDir?: string;
  hostname?: string;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  tty: boolean;
  healthcheck?: HealthcheckSpec;
}

export interface PortView {
  privatePort: number;
  publicPort?: number;
  ip?: string;
  protocol: string;
}

export interface ContainerView {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: string;
  health?: 'healthy' | 'unhealthy' | 'starting';
  status: string;
  ports: PortView[];
  /** The Compose project it belongs to. */
  project?: string;
  labels: Record<string, string>;
  networks: string[];
  createdAt: string;
}

export interface ContainerDetail {
  overview: {
    id: string;
    name: string;
    state: string;
    running: boolean;
    paused: boolean;
    exitCode: number;
    error: string;
    startedAt: string;
    finishedAt: string;
    restartCount: number;
    health?: {
      status: string;
      failingStreak: number;
      lastOutput?: string;
      lastExitCode?: number;
      lastCheckAt?: string;
    };
    image: string;
    imageId: string;
    imageDigest?: string;
    createdAt: string;
    tty: boolean;
  };
  /** The raw inspect document, with secret-looking environment values masked. */
  inspect: ContainerInspect;
  maskedEnvKeys: string[];
}

export interface BulkResult {
  id: string;
  ok: boolean;
  error?: string;
}

export interface Usage {
  at: string;
  /** 100% is one CPU fully used, as in docker stats. */
  cpuPercent: number;
  /** Usage without the page cache that can be reclaimed. */
  memoryBytes: number;
  memoryLimitBytes: number;
  memoryPercent: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

/** Byte rates between two usages, per second. */
export interface Rates {
  networkRxPerSecond: number;
  networkTxPerSecond: number;
  blockReadPerSecond: number;
  blockWritePerSecond: number;
}

export interface ImageView {
  id: string;
  tags: string[];
  digests: string[];
  size: number;
  createdAt: string;
  /** How many containers (running or not) use it. */
  containers: number;
  dangling: boolean;
}

/** One layer of an image's history (the Engine lists them newest first). */
export interface HistoryLayer {
  id: string;
  createdAt: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

export interface LayerProgress {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PlatformDigest {
  os: string;
  architecture: string;
  variant?: string;
  digest: string;
}

export interface TagDigest {
  digest: string;
  mediaType: string;
  /** For a manifest list or OCI index: one entry per platform. */
  platforms?: PlatformDigest[];
}

export interface SubnetView {
  subnet: string;
  gateway: string | null;
  ipRange: string | null;
}

export interface AttachedContainer {
  id: string;
  name: string;
  ipv4: string | null;
  aliases: string[];
}

export interface NetworkView {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  ipv6: boolean;
  builtin: boolean;
  subnets: SubnetView[];
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string | null;
  containers: AttachedContainer[];
}

export interface NetworkInput {
  name: string;
  driver?: string;
  /** For macvlan and ipvlan: the host interface to attach to (the driver's `parent` option). */
  parent?: string;
  internal?: boolean;
  attachable?: boolean;
  enableIPv6?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  ipam?: { subnet: string; gateway?: string; ipRange?: string }[];
}

export interface ConnectInput {
  container: string;
  aliases?: string[];
  ipv4Address?: string;
}

export interface ContainerRef {
  id: string;
  name: string;
  state: string;
}

export interface VolumeView {
  name: string;
  driver: string;
  mountpoint: string;
  scope: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string | null;
  /** Bytes, when the daemon knows (local driver); null otherwise. */
  size: number | null;
  usedBy: ContainerRef[];
}

export interface VolumeInput {
  name?: string;
  driver?: string;
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
}

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface VolumeEntry {
  name: string;
  /** Relative to the volume's root. */
  path: string;
  type: EntryType;
  size: number;
  /** Permission bits in octal, e.g. "0644" (with setuid/setgid/sticky when set). */
  mode: string;
  uid: number;
  gid: number;
  /** ISO 8601. */
  mtime: string;
  /** Where a symbolic link points, as stored in the link. */
  target?: string;
}

export interface DirectoryListing {
  path: string;
  entries: VolumeEntry[];
}

// Disk usage and the clean-up.

/** The kinds the clean-up prunes, in the order it runs them. */
export const PRUNE_KINDS = ['containers', 'images', 'volumes', 'networks', 'buildCache'] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

export interface KindUsage {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DiskUsageSummary {
  images: KindUsage;
  containers: KindUsage;
  volumes: KindUsage;
  buildCache: KindUsage;
  total: { size: number; reclaimable: number };
}

export interface CleanupItem {
  id: string;
  name: string;
  /** Bytes, where the daemon reports them. */
  size: number;
}

export type CleanupPreview = Record<PruneKind, { items: CleanupItem[]; reclaimable: number }>;

export type PruneResult = Partial<Record<PruneKind, { deleted: string[]; spaceReclaimed: number }>>;

// Compose stacks.
/** What `up` will do to one container. */
export type ContainerChange = 'create' | 'recreate' | 'start' | 'keep' | 'remove';

export interface ContainerPlan {
  name: string;
  number: number;
  change: ContainerChange;
  /** The existing container, when there is one. */
  id?: string;
  /** Why it is recreated: the configuration, the image, or both. */
  reason?: string;
}

export interface ServicePlan {
  service: string;
  image: string;
  /** The image the service runs now, by id, when it runs. */
  currentImageId?: string;
  /** The image it will run, by id, when it is already on the engine (a pull may still change it). */
  nextImageId?: string;
  /** How the image is got: already there, pulled, or built. */
  imageSource: 'present' | 'pull' | 'build';
  containers: ContainerPlan[];
}

export interface ResourcePlan {
  key: string;
  name: string;
  change: 'create' | 'keep' | 'external';
}

/** What `up` will do, worked out before it does anything. */
export interface ProjectPlan {
  project: string;
  services: ServicePlan[];
  /** Containers of services that are no longer in the file. */
  orphans: ContainerPlan[];
  networks: ResourcePlan[];
  volumes: ResourcePlan[];
}

/** One step of a deploy, reported to its job as it happens. */
export interface DeployStep {
  kind: 'step';
  /** Empty for steps of the whole project (networks, volumes, verification). */
  service: string;
  /** The container or resource the step acts on. */
  target: string;
  action:
    | 'pull'
    | 'build'
    | 'create'
    | 'recreate'
    | 'restart'
    | 'start'
    | 'stop'
    | 'remove'
    | 'healthy'
    | 'wait'
    | 'verify'
    | 'rollback';
  status: 'started' | 'done' | 'failed';
  message?: string;
}

/** A pull's layer or a build's output line, under the service it is for. */
export type DeployProgress =
  | DeployStep
  | ({ kind: 'layer'; service: string } & LayerProgress)
  | { kind: 'output'; service: string; text: string };

export type StackStatus = 'running' | 'partial' | 'stopped';
/** `interrupted`: Windflow stopped (a restart, a crash) while the job ran; `error` says so. */
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface JobOwner {
  userId: number;
  username: string;
}

/** Long work (a pull, a push, a deploy) that outlives the request that started it. */
export interface Job {
  id: string;
  /** The permission the job runs under; following it needs the same one on its environment. */
  kind: Permission;
  environmentId: number;
  /** What it works on, for people: an image reference, a stack name. */
  target: string;
  status: JobStatus;
  /** Why it failed or was interrupted. */
  error?: string;
  startedAt: string;
  finishedAt?: string;
  startedBy?: JobOwner;
}

export interface JobEvent {
  /** Increases by one per report, from 1. */
  seq: number;
  at: string;
  data: unknown;
}

export interface StackContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  state: string;
  status: string;
  image: string;
}

/** A stack in the list: Windflow's own, or a Compose project found on the engine by its labels. */
export interface StackSummary {
  name: string;
  /** false: a project on the engine that Windflow has no file for yet (deploying it adopts it). */
  managed: boolean;
  origin: 'editor' | 'upload' | 'docker-run' | 'adopted' | 'git' | 'engine';
  status: StackStatus | 'down';
  services: string[];
  containers: StackContainer[];
  /** The revision running, when Windflow deployed it. */
  revision: number | null;
  /** The outcome of the newest deploy. */
  lastOutcome: 'deploying' | 'deployed' | 'rolled-back' | 'failed' | null;
  updatedAt: string | null;
}

export interface StackVariableView {
  name: string;
  secret: boolean;
  /** null for a secret: its value never leaves the server. */
  value: string | null;
}

export interface StackDetail extends StackSummary {
  compose: string;
  env: string;
  variables: StackVariableView[];
  /** The running deploy's job, to follow. */
  jobId: string | null;
  /** The commit the shown revision came from, for a stack deployed from Git. */
  commit: StackCommit | null;
}

export interface StackCommit {
  hash: string;
  /** The full ref followed (refs/heads/main), null when pinned to a commit. */
  ref: string | null;
  author: string;
  message: string;
  date: string;
}

/** What a deploy will change, and the files it changes them with. */
export interface StackPreview {
  plan: ProjectPlan;
  /** The compose and .env text running now (empty for a new stack), to diff against. */
  currentCompose: string;
  currentEnv: string;
}

// Image updates: what a check found for a container's image, and what an update did.
export type UpdateStatus = 'current' | 'available' | 'unknown' | 'error';

export interface NewerTag {
  tag: string;
  bump: 'patch' | 'minor' | 'major';
}

export interface ContainerUpdate {
  containerId: string;
  containerName: string;
  /** The reference the container was created from: registry/name:tag. */
  image: string;
  /** The Compose project and service it belongs to, when it does. */
  stack: { project: string; service: string } | null;
  status: UpdateStatus;
  /** The digest the running image was pulled as, and the one its tag has in the registry now. */
  localDigest: string | null;
  remoteDigest: string | null;
  /** Newer versions when the tag is one (1.2.3 -> 1.2.4, 1.3.0, 2.0.0), newest per kind of bump. */
  newerTags: NewerTag[];
  error: string | null;
  checkedAt: string | null;
}

/** What counts as an update for a policy: any new digest for the tag, or a version bump. */
export const UPDATE_MODES = ['digest', 'patch', 'minor'] as const;
/** The scan gate: none, refuse at or above a severity, or refuse what is worse than the running image. */
export const GATES = ['never', 'critical', 'high', 'medium', 'low', 'worse'] as const;
export type Gate = (typeof GATES)[number];

export type UpdateOutcome = 'updated' | 'rolled-back' | 'refused' | 'failed' | 'current' | 'dry-run';

export interface UpdateRun {
  id: number;
  environmentId: number;
  scheduleId: number | null;
  container: string;
  fromImage: string;
  toImage: string;
  fromDigest: string | null;
  toDigest: string | null;
  /** What the scan gate said, when there was one. */
  scanVerdict: string | null;
  outcome: UpdateOutcome;
  detail: string;
  /** A user name, or "schedule: <name>". */
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
}

// Monitoring: chart history, the all-environments overview, the Engine's events history.

export type RangeName = '15m' | '1h' | '6h' | '24h' | '7d' | '30d';

export interface MetricColumns {
  /** Unix seconds, the start of each bucket. */
  at: number[];
  cpu: number[];
  memory: number[];
  memoryLimit: number[];
  rx: number[];
  tx: number[];
  ioRead: number[];
  ioWrite: number[];
  disk: (number | null)[];
  diskTotal: (number | null)[];
  restarts: (number | null)[];
}

export interface MetricHistory {
  range: RangeName;
  /** Seconds each point stands for. */
  stepSeconds: number;
  from: number;
  to: number;
  columns: MetricColumns;
}

export interface EnvironmentOverview {
  id: number;
  name: string;
  type: string;
  /** Null before the first round. */
  reachable: boolean | null;
  at: number | null;
  host: HostReading | null;
  containers: { total: number; running: number; unhealthy: number; restarting: number; stopped: number };
  /** Images whose registry has a newer one, from the last update check. */
  updatesAvailable: number;
}

export interface BusyContainer {
  environmentId: number;
  environment: string;
  containerId: string;
  name: string;
  stack: string | null;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export interface StackAttention {
  environmentId: number;
  environment: string;
  stack: string;
  containers: number;
  running: number;
  /** "2 stopped", "1 unhealthy", "1 restarting". */
  reasons: string[];
}

export interface MonitoringOverview {
  environments: EnvironmentOverview[];
  busiest: BusyContainer[];
  stacks: StackAttention[];
}

export interface EngineEventRecord {
  id: number;
  environmentId: number;
  /** Milliseconds since the epoch. */
  at: number;
  type: string;
  action: string;
  actorId: string;
  /** The object's name (a container's without the slash, an image reference…), when it has one. */
  name: string | null;
  stack: string | null;
  service: string | null;
  attributes: Record<string, string>;
}

// Git stacks: repositories (credentials never shown), a stack's link to one, webhook deliveries.
export type GitAuthKind = 'none' | 'basic' | 'ssh';

export interface GitRepositoryView {
  id: number;
  environmentId: number;
  name: string;
  url: string;
  auth: GitAuthKind;
  username: string;
  /** Whether a password, token or key is stored (it is never returned). */
  hasSecret: boolean;
  /** ssh: the deploy key's public half (`ssh-ed25519 AAAA…`), to add on the Git server. */
  publicKey: string | null;
  /** ssh: the pinned host key's `SHA256:` fingerprint; null until one is pinned. */
  hostKeyFingerprint: string | null;
  /** Path of the repository's webhook (redeploys every stack following the pushed branch). */
  webhookPath: string;
  /** How many stacks follow it. */
  stacks: number;
  createdAt: string;
  updatedAt: string;
}

/** "Pull and redeploy", previewed: the plan for the ref's commit now, against what runs. */
export interface GitPreviewView extends StackPreview {
  commit: { commit: string; author: string; message: string; date: string };
  /** The commit's compose file and the .env beside it, to diff against the running ones. */
  compose: string;
  env: string;
  /** The commit the stack runs now (null: it runs files that did not come from Git). */
  runningCommit: string | null;
}

/** A deploy key just made: its public half to add on the Git server, its private half sealed. */
export interface DeployKeyView {
  kind: 'ed25519' | 'rsa';
  /** `ssh-ed25519 AAAA… windflow-deploy-key`. */
  publicKey: string;
  fingerprint: string;
  /** Opaque: the private key sealed with the server's key, handed back as `deployKey`. */
  deployKey: string;
}

export interface StackGitView {
  repository: GitRepositoryView;
  /** Branch, tag or commit followed, as given. */
  ref: string;
  composePath: string;
  extraFiles: string[];
  /** Path of the stack's own webhook. */
  webhookPath: string;
  /** The polling schedule's cron expression, null when the stack is not polled. */
  poll: string | null;
  pollScheduleId: number | null;
  /** Whom webhook and poll deploys act for (who last set what the stack follows); null: no one. */
  deploysAs: string | null;
}

/** A webhook's URL secret, for the holder of stacks:deploy to paste into the Git server. */
export interface WebhookSecretView {
  webhookPath: string;
  secret: string;
}

export type DeliveryOutcome = 'accepted' | 'ignored' | 'refused';

export interface WebhookDeliveryView {
  id: number;
  deliveryId: string;
  provider: string;
  event: string;
  ref: string;
  commit: string;
  outcome: DeliveryOutcome;
  /** Why it was ignored or refused, or what it did. */
  reason: string;
  /** Per stack: what this delivery did to it. */
  results: { stack: string; outcome: 'deploying' | 'ignored' | 'failed'; reason: string; jobId?: string }[];
  receivedAt: string;
}

/** "Test connection": the branches and tags a repository has. */
export interface GitRefsView {
  defaultBranch: string | null;
  branches: { name: string; commit: string }[];
  tags: { name: string; commit: string }[];
}

// Vulnerability scans of an image, by Grype or Trivy, in one model whichever tool found them.
export const SCANNERS = ['grype', 'trivy'] as const;
export type Scanner = (typeof SCANNERS)[number];
/** Most severe first; "negligible" is Grype's, "unknown" both tools'. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Record<Severity, number>;

export interface Vulnerability {
  /** CVE-2019-1549, GHSA-..., as the tool names it. */
  id: string;
  severity: Severity;
  package: string;
  installedVersion: string;
  /** Empty when no fixed version is known. */
  fixedVersion: string;
  title: string;
  url: string | null;
}

export interface ImageScan {
  id: number;
  environmentId: number;
  /** The reference it was scanned as, and the image id (sha256 of its config) it names. */
  image: string;
  digest: string;
  scanner: Scanner;
  counts: SeverityCounts;
  vulnerabilities: Vulnerability[];
  /** Why the scan failed; the counts are then all zero. */
  error: string | null;
  scannedAt: string;
}

export interface ScanSettings {
  /** The scanner used by scheduled scans and update gates. */
  scanner: Scanner;
  grypeImage: string;
  trivyImage: string;
}
