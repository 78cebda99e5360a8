// CPU and memory of an environment's running containers, for lists. The Engine pushes no usage
// events, so something has to read it at an interval: one loop per environment here, shared by
// everyone watching and stopped when the last one leaves, while browsers only listen.
import type { DockerClient } from '../docker/client.ts';
import { usageAtAGlance } from '../docker/containers.ts';
import type { Usage } from '../docker/views.ts';

export const USAGE_INTERVAL_MS = 10_000;

export type UsageReading = Record<string, Usage>;

interface Follower {
  /** The newest reading this follower has not taken yet. */
  pending?: UsageReading;
  wake(): void;
}

interface Feed {
  followers: Set<Follower>;
  latest?: UsageReading;
  timer?: Timer;
}

export class UsageFeeds {
  private readonly feeds = new Map<DockerClient, Feed>();

  constructor(private readonly intervalMs = USAGE_INTERVAL_MS) {}

  /** Environments being read right now. */
  get active(): number {
    return this.feeds.size;
  }

  /**
   * Readings of the running containers behind `client`: the latest one at once if there is one,
   * then each new one. A follower that is slower than the interval gets the newest, not a queue.
   */
  async *follow(client: DockerClient, signal: AbortSignal): AsyncGenerator<UsageReading> {
    const feed = this.feeds.get(client) ?? this.start(client);
    let wake = () => {};
    const follower: Follower = { pending: feed.latest, wake: () => wake() };
    feed.followers.add(follower);
    const stop = () => follower.wake();
    signal.addEventListener('abort', stop);
    try {
      while (!signal.aborted) {
        const reading = follower.pending;
        if (reading) {
          follower.pending = undefined;
          yield reading;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', stop);
      feed.followers.delete(follower);
      if (feed.followers.size === 0) this.stop(client, feed);
    }
  }

  private start(client: DockerClient): Feed {
    const feed: Feed = { followers: new Set() };
    this.feeds.set(client, feed);
    const read = async () => {
      try {
        const running = await client.listContainers({ filters: { status: ['running'] } });
        feed.latest = await usageAtAGlance(
          client,
          running.map((container) => container.Id),
        );
        for (const follower of feed.followers) {
          follower.pending = feed.latest;
          follower.wake();
        }
      } catch {
        // An unreachable daemon gives no reading this time; the list itself says why.
      } finally {
        if (this.feeds.get(client) === feed) feed.timer = setTimeout(read, this.intervalMs);
      }
    };
    void read();
    return feed;
  }

  private stop(client: DockerClient, feed: Feed): void {
    clearTimeout(feed.timer);
    if (this.feeds.get(client) === feed) this.feeds.delete(client);
  }
}
