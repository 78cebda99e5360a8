// The shapes the API answers with and takes, shared by the server and the UI (which imports
// these types only): what a container, its form, its usage, an image or a registry tag look like.
import type { ContainerInspect } from './types.ts';

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
