// The names and labels Docker Compose v2 gives what it creates, so that `docker compose ls/ps/down`
// on the host treat Windflow's stacks as their own and Windflow finds theirs.
import type { ComposeProject, ServiceConfig } from './model.ts';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
} as const;

/** The Compose version our labels announce: the v2 release whose behaviour we follow. */
export const COMPOSE_VERSION = '2.29.7';

/** `<project>-<service>-<n>`, or the service's `container_name`. */
export function containerName(project: string, service: ServiceConfig, number: number): string {
  return service.container_name ?? `${project}-${service.name}-${number}`;
}

/** Docker's list filter for one project's objects. */
export function projectFilter(project: string): Record<string, string[]> {
  return { label: [`${LABEL.project}=${project}`] };
}

/** The labels of every container of a service, as Compose v2 writes them. */
export function containerLabels(
  project: ComposeProject,
  service: ServiceConfig,
  details: { number: number; configHash: string; imageId: string; envFiles: string[] },
): Record<string, string> {
  const labels: Record<string, string> = { ...service.labels };
  labels[LABEL.project] = project.name;
  labels[LABEL.service] = service.name;
  labels[LABEL.version] = COMPOSE_VERSION;
  if (!(LABEL.oneoff in labels)) labels[LABEL.oneoff] = 'False';
  labels[LABEL.configHash] = details.configHash;
  labels[LABEL.workingDir] = project.working_dir;
  labels[LABEL.configFiles] = project.config_files.join(',');
  labels[LABEL.containerNumber] = String(details.number);
  if (details.envFiles.length > 0) labels[LABEL.environmentFile] = details.envFiles.join(',');
  labels[LABEL.dependsOn] = Object.entries(service.depends_on ?? {})
    .map(([name, dependency]) => `${name}:${dependency.condition}:${dependency.restart}`)
    .join(',');
  labels[LABEL.image] = details.imageId;
  return labels;
}

export function networkLabels(
  project: string,
  key: string,
  own?: Record<string, string>,
): Record<string, string> {
  return { ...own, [LABEL.network]: key, [LABEL.project]: project, [LABEL.version]: COMPOSE_VERSION };
}

export function volumeLabels(
  project: string,
  key: string,
  own?: Record<string, string>,
): Record<string, string> {
  return { ...own, [LABEL.volume]: key, [LABEL.project]: project, [LABEL.version]: COMPOSE_VERSION };
}
