// Login throttling without lock-outs: after a few free failures, each failure for a key (an
// account name, an address, a pending second-factor step) makes the next attempt wait longer,
// doubling up to a cap. The wait ends by itself, a success or an admin's unlock clears it, and a
// key that stops failing is forgotten, so counts never pile up into a permanent lock.

export interface ThrottlePolicy {
  /** Failures allowed before any wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; each further one doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure for this long starts again from nothing. */
  forgetAfterMs: number;
}

interface Failures {
  count: number;
  lastAt: number;
}

const MAX_KEYS = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly policy: ThrottlePolicy) {}

  /** Milliseconds the key must still wait before its next attempt is heard; 0: it may go now. */
  waitMs(key: string, now = Date.now()): number {
    const entry = this.current(key, now);
    if (!entry || entry.count < this.policy.freeFailures) return 0;
    const doublings = Math.min(entry.count - this.policy.freeFailures, 30);
    const delay = Math.min(this.policy.firstDelayMs * 2 ** doublings, this.policy.maxDelayMs);
    return Math.max(0, entry.lastAt + delay - now);
  }

  /** Failures counted for the key (0 once forgotten). */
  failureCount(key: string, now = Date.now()): number {
    return this.current(key, now)?.count ?? 0;
  }

  fail(key: string, now = Date.now()): void {
    this.failures.set(key, { count: this.failureCount(key, now) + 1, lastAt: now });
    if (this.failures.size > MAX_KEYS) this.forgetStale(now);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string, now: number): Failures | undefined {
    const entry = this.failures.get(key);
    if (entry && now - entry.lastAt > this.policy.forgetAfterMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Under a flood of made-up keys, the ones not failing lately go first. */
  private forgetStale(now: number): void {
    for (const key of this.failures.keys()) this.current(key, now);
    const excess = this.failures.size - MAX_KEYS * 0.9;
    if (excess <= 0) return;
    const oldest = [...this.failures].sort(([, a], [, b]) => a.lastAt - b.lastAt).slice(0, excess);
    for (const [key] of oldest) this.failures.delete(key);
  }
}

/** "3 s", "2 min": how long to wait, for messages. */
export function describeWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
