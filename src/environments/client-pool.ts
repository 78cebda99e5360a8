// One Docker client per environment, kept so that its connections are reused across requests.
// A client is replaced when its environment changes and closed when it is removed.
import { DockerClient } from '../docker/client.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type { Environment } from '../store/records.ts';
import { endpointFor } from './endpoint.ts';

export class DockerClientPool {
  private readonly clients = new Map<number, { version: string; client: DockerClient }>();

  constructor(private readonly environments: EnvironmentStore) {}

  async clientFor(environment: Environment): Promise<DockerClient> {
    const cached = this.clients.get(environment.id);
    if (cached?.version === environment.updatedAt) return cached.client;
    cached?.client.close();
    const tls =
      environment.type === 'tcp-tls' ? await this.environments.tlsMaterial(environment.id) : undefined;
    const client = new DockerClient(endpointFor(environment, tls));
    this.clients.set(environment.id, { version: environment.updatedAt, client });
    return client;
  }

  forget(environmentId: number): void {
    this.clients.get(environmentId)?.client.close();
    this.clients.delete(environmentId);
  }

  closeAll(): void {
    for (const id of [...this.clients.keys()]) this.forget(id);
  }
}
