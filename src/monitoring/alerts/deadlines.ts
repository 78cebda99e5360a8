// Many deadlines on one timer: "resolve this alert if nothing happens for 30 s" for any number of
// containers costs one setTimeout, armed for the earliest deadline, never one timer per item.

export class Deadlines {
  private readonly due = new Map<string, { at: number; run: () => void }>();
  private timer?: ReturnType<typeof setTimeout>;
  private armedFor = Number.POSITIVE_INFINITY;

  /** Runs `run` at `at` (epoch ms) unless cancelled or set again under the same key first. */
  set(key: string, at: number, run: () => void): void {
    this.due.set(key, { at, run });
    if (at < this.armedFor) this.arm();
  }

  cancel(key: string): void {
    this.due.delete(key); // the timer may still fire for it, and finds nothing due
  }

  has(key: string): boolean {
    return this.due.has(key);
  }

  /** Cancels every deadline whose key starts with `prefix`. */
  cancelPrefixed(prefix: string): void {
    for (const key of this.due.keys()) if (key.startsWith(prefix)) this.due.delete(key);
  }

  clear(): void {
    this.due.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    let earliest = Number.POSITIVE_INFINITY;
    for (const { at } of this.due.values()) earliest = Math.min(earliest, at);
    if (!Number.isFinite(earliest)) return;
    this.armedFor = earliest;
    this.timer = setTimeout(() => this.fire(), Math.max(earliest - Date.now(), 0));
    this.timer.unref?.();
  }

  private fire(): void {
    const now = Date.now();
    for (const [key, { at, run }] of [...this.due]) {
      if (at > now) continue;
      this.due.delete(key);
      run();
    }
    this.arm();
  }
}
