// Waiting in tests for a condition rather than for a fixed time: what a background write or a
// timer does lands when the machine gets to it, which under load is later than any fixed sleep.

/** Resolves once `check` holds; throws after `timeoutMs` naming what was awaited. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}
