// Docker and Podman are told apart from their own /version answers.
import { expect, test } from 'bun:test';
import { testEngines } from '../testing/engines.ts';
import { DockerClient } from './client.ts';
import { engineKind } from './engine-kind.ts';

for (const engine of testEngines()) {
  test(`${engine.name} is recognised from /version`, async () => {
    const client = new DockerClient({ kind: 'unix', socketPath: engine.socket });
    try {
      expect(engineKind(await client.version())).toBe(engine.name);
    } finally {
      client.close();
    }
  });
}
