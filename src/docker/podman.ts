// Where Podman's Docker-compatible API answers differently from Docker, translated in one place
// so that routes, the Compose engine and the UI see Docker's shapes on either engine. What has
// no Podman counterpart is refused with one clear code instead of failing halfway.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import type { DockerEvent } from './types.ts';
import { type EngineKind, NOT_ON_PODMAN } from './views.ts';

/**
 * The networks every engine creates and nobody may remove. Podman's default network is
 * `podman`; its compatible API lists it as `bridge` too (same id).
 */
const BUILTIN_NETWORKS: Record<EngineKind, ReadonlySet<string>> = {
  docker: new Set(['bridge', 'host', 'none']),
  podman: new Set(['bridge', 'podman']),
};

export function builtinNetworks(kind: EngineKind): ReadonlySet<string> {
  return BUILTIN_NETWORKS[kind];
}

/**
 * The keys a container's network entry may have for `network` in a container list: Docker
 * gives the network's id, Podman its name, and `podman` for the default network it lists as
 * `bridge`.
 */
export function networkKeys(network: { Id: string; Name: string }): string[] {
  return [network.Id, network.Name, ...(network.Name === 'bridge' ? ['podman'] : [])];
}

/**
 * Podman answers some of Docker's 4xx cases with a 500 and names the case in `cause`
 * (`{cause, message, response}`); this gives back the status Docker would have used.
 */
const STATUS_BY_CAUSE: [RegExp, number][] = [
  [/^that name is already in use$/, 409],
  [/^(no such container|no such image|no such volume|network not found|no such pod)$/, 404],
  [/^volume is being used$/, 409],
  [/^payload does not match any of the supported image formats/, 400],
  [/^volume options .* not supported/, 400],
];

export function dockerStatusOf(status: number, cause: unknown): number {
  if (status !== 500 || typeof cause !== 'string') return status;
  return STATUS_BY_CAUSE.find(([pattern]) => pattern.test(cause))?.[1] ?? status;
}

/** Podman calls Docker's `destroy` event `remove`; everything else keeps Docker's names. */
const PODMAN_ACTIONS: Record<string, string> = { destroy: 'remove' };
const DOCKER_ACTIONS: Record<string, string> = Object.fromEntries(
  Object.entries(PODMAN_ACTIONS).map(([docker, podman]) => [podman, docker]),
);

/** An events filter in Docker's terms, as Podman needs it. */
export function podmanEventFilters(filters: Record<string, string[]>): Record<string, string[]> {
  const actions = filters.event;
  if (!actions) return filters;
  return { ...filters, event: actions.map((action) => PODMAN_ACTIONS[action] ?? action) };
}

/**
 * A Podman event in Docker's terms: `remove` becomes `destroy`, and a health change
 * (`health_status` with the state in the attributes) becomes `health_status: healthy`.
 */
export function dockerEventOf(event: DockerEvent): DockerEvent {
  let action = DOCKER_ACTIONS[event.Action] ?? event.Action;
  const health = event.Actor?.Attributes?.health_status;
  if (action === 'health_status' && health) action = `health_status: ${health}`;
  return action === event.Action ? event : { ...event, Action: action };
}

/**
 * Podman stores a name without a registry under docker.io (`team/app:v1` lists as
 * `docker.io/team/app:v1`, `redis` as `docker.io/library/redis`); shown as Docker shows them,
 * the names a user typed, and they still resolve on Podman.
 */
export function dockerImageName(name: string): string {
  return name.replace(/^docker\.io\/(library\/)?/, '');
}

/**
 * Podman runs healthchecks from systemd timers; on a host without systemd nothing runs them and
 * a container stays `starting`. While Windflow waits for health on Podman it runs each check
 * itself, at the container's own interval, until `signal` aborts; the outcome arrives as the
 * usual health_status event.
 */
export async function runHealthchecks(
  client: DockerClient,
  ids: string[],
  signal: AbortSignal,
): Promise<void> {
  const intervals = await Promise.all(
    ids.map(async (id) => {
      const inspect = await client.inspectContainer(id, { signal }).catch(() => undefined);
      const interval = (inspect?.Config as { Healthcheck?: { Interval?: number } } | undefined)?.Healthcheck
        ?.Interval;
      return interval ? interval / 1_000_000 : DEFAULT_HEALTH_INTERVAL_MS;
    }),
  );
  const waitMs = Math.max(MIN_HEALTH_INTERVAL_MS, Math.min(...intervals));
  while (!signal.aborted) {
    await Promise.all(
      ids.map((id) =>
        client
          .libpod('GET', `/containers/${encodeURIComponent(id)}/healthcheck`, { signal })
          .catch(() => undefined),
      ),
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

const DEFAULT_HEALTH_INTERVAL_MS = 30_000;
const MIN_HEALTH_INTERVAL_MS = 500;

/**
 * Podman's `top` runs `ps` in the container and answers its output as is: one title string
 * ("PID   USER     COMMAND") and one string per process. Split into Docker's columns; the last
 * column (the command) keeps its spaces.
 */
export function dockerTopColumns(answer: { Titles: string[]; Processes: string[][] }): {
  Titles: string[];
  Processes: string[][];
} {
  if (answer.Titles.length !== 1) return answer;
  const titles = (answer.Titles[0] ?? '').trim().split(/\s+/);
  const processes = answer.Processes.map((row) => {
    if (row.length !== 1) return row;
    const words = (row[0] ?? '').trim().split(/\s+/);
    return [...words.slice(0, titles.length - 1), words.slice(titles.length - 1).join(' ')];
  });
  return { Titles: titles, Processes: processes };
}

/** The answer for a feature Podman's API does not have: a stable code, and why. */
export function notOnPodman(what: keyof typeof NOT_ON_PODMAN): HttpError {
  const { feature, why } = NOT_ON_PODMAN[what];
  return new HttpError(501, 'NOT_ON_PODMAN', `${feature} is not available on Podman: ${why}`);
}
