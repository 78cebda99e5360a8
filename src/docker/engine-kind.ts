// Docker or Podman: both answer the Engine API, but Podman's compatible API differs in places
// (see the README), so routes and the UI need to know which one they talk to. Podman names
// itself among /version's Components; Docker's components are "Engine", "containerd", "runc".
import type { VersionAnswer } from './types.ts';
import type { EngineKind } from './views.ts';

export function engineKind(version: VersionAnswer): EngineKind {
  const named = [
    ...(version.Components ?? []).map((component) => component.Name),
    version.Platform?.Name ?? '',
  ];
  return named.some((name) => /podman/i.test(name)) ? 'podman' : 'docker';
}
