// One Docker client per environment, kept so that its connections are reused across requests.
// A client is replaced when its environment changes and closed when it is removed. Its transport
// comes from the environment's kind: HTTP for sockets, TCP, TLS and standard agents, the agent
// hub's tunnel for edge agents.
import type { AgentHub } from '../agents/agent-hub.ts';
import { DockerClient } from '../docker/client.ts';
import type { AgentStore } from '../store/agents.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type { Environment } from '../store/records.ts';
import { endpointFor } from './endpoint.ts';

export class DockerClientPool {
  private readonly clients = new Map<number, { version: string; client: DockerClient }>();

  constructor(
    private readonly environments: EnvironmentStore,
    private readonly agents?: { store: AgentStore; hub: AgentHub },
  ) {}

  async clientFor(environment: Environment): Promise<DockerClient> {
    const cached = this.clients.get(environment.id);
    if (cached?.version === environment.updatedAt) return cached.client;
    cached?.client.close();
    const tls =
      environment.type === 'tcp-tls' || environment.type === 'hawser-standard'
        ? await this.environments.tlsMaterial(environment.id)
        : undefined;
    const token =
      environment.type === 'hawser-standard'
        ? await this.agents?.store.standardToken(environment.id)
        : undefined;
    const endpoint = endpointFor(environment, tls, token);
    const client = new DockerClient(endpoint, {
      transport: endpoint.kind === 'edge' ? this.agentHub().transportFor(environment.id) : undefined,
    });
    this.clients.set(environment.id, { version: environment.updatedAt, client });
    return client;
  }

  private agentHub(): AgentHub {
    if (!this.agents) throw new Error('edge environments need the agent hub');
    return this.agents.hub;
  }

  forget(environmentId: number): void {
    this.clients.get(environmentId)?.client.close();
    this.clients.delete(environmentId);
  }

  closeAll(): void {
    for (const id of [...this.clients.keys()]) this.forget(id);
  }
}
