// The engines the Docker-facing tests run against: the test bed's Docker daemon and Podman's
// Docker-compatible API. Tests that apply to both loop over these rather than being copied.
import { testbed } from './testbed.ts';

export interface TestEngine {
  name: 'docker' | 'podman';
  socket: string;
}

export function testEngines(): TestEngine[] {
  const bed = testbed();
  return [
    { name: 'docker', socket: bed.dockerSocket },
    { name: 'podman', socket: bed.podman.socket },
  ];
}
