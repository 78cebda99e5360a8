// What an environment's agent can carry. A Hawser edge agent (not Windflow's own) negotiates no
// extras: it takes no request bodies (uploads, builds, image loads) and cannot attach.
import type { Environment } from './api';

export function isHawserEdge(environment: Environment | undefined): boolean {
  const agent = environment?.agent;
  return environment?.type === 'edge' && Boolean(agent?.connected) && !agent?.extras.includes('request-body');
}
