// The parts of the Engine API's answers that Windflow reads (API v1.41 shapes). Objects are
// passed through to clients as the daemon sent them, so unread fields are not declared.

export interface VersionAnswer {
  /** Podman names itself here ("Podman Engine"); Docker says "Engine". */
  Components?: { Name: string; Version: string }[];
  Platform?: { Name: string };
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
}

export interface InfoAnswer {
  ID: string;
  DockerRootDir: string;
  Name: string;
  ServerVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  KernelVersion: string;
  NCPU: number;
  MemTotal: number;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels: Record<string, string>;
  [field: string]: unknown;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; ExitCode: number; [field: string]: unknown };
  Config: { Tty: boolean; Image: string; Labels: Record<string, string> | null; [field: string]: unknown };
  [field: string]: unknown;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Size: number;
  [field: string]: unknown;
}

export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Size: number;
  [field: string]: unknown;
}

export interface VolumeSummary {
  Name: string;
  Driver: string;
  Mountpoint: string;
  [field: string]: unknown;
}

export interface NetworkSummary {
  Id: string;
  Name: string;
  Driver: string;
  [field: string]: unknown;
}

/** One line of pull or push progress. */
export interface PullProgress {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: Record<string, unknown>;
}

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope?: string;
  time: number;
  timeNano: number;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  [field: string]: unknown;
}

export interface ExecCreateOptions {
  Cmd: string[];
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}
