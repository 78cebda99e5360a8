import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import { type AgentStatus, api, type Environment } from '../api';

/**
 * Keeps the agent state of the environments shown current from the server's agent feed
 * (connections, drops, latencies) instead of polling; `changed` hears which environment moved.
 * The browser's EventSource reconnects by itself after a dropped connection.
 */
export function useAgentStates(environments: Ref<Environment[]>, changed?: (environmentId: number) => void) {
  let source: EventSource | undefined;
  onMounted(() => {
    source = new EventSource(api.agentEventsUrl);
    source.onmessage = (message) => {
      const { environmentId, agent } = JSON.parse(message.data) as {
        environmentId: number;
        agent: AgentStatus;
      };
      const environment = environments.value.find((candidate) => candidate.id === environmentId);
      if (environment) environment.agent = agent;
      changed?.(environmentId);
    };
  });
  onBeforeUnmount(() => source?.close());
}
