// Timing helpers shared by the benchmarks: rounds after a warm-up, sorted samples, percentiles.

export async function timeRounds(
  rounds: number,
  fetchOnce: () => Promise<unknown>,
  warmup = 5,
): Promise<number[]> {
  for (let round = 0; round < warmup; round++) await fetchOnce();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    await fetchOnce();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/** A resident size in KiB (as /proc reports it) as MiB. */
export const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** "median 8.00 ms, p95 12.60 ms" */
export const summary = (sorted: number[]) =>
  `median ${ms(percentile(sorted, 0.5))}, p95 ${ms(percentile(sorted, 0.95))}`;
