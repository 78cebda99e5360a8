// Compose's units: durations as str2duration (Go's time.ParseDuration plus `d` and `w`) reads
// them and time.Duration.String() writes them, and sizes as docker/go-units' RAMInBytes.

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 604800e9,
};

/** Nanoseconds; throws on what Go refuses ("10" has no unit; "0" is fine). */
export function parseDuration(input: string): number {
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${JSON.stringify(input)}`);
  let total = 0;
  const pattern = /^(\d*)(?:\.(\d*))?([^\d.]*)/;
  while (s !== '') {
    const match = pattern.exec(s) as RegExpExecArray;
    if (match[1] === '' && (match[2] ?? '') === '')
      throw new Error(`time: invalid duration ${JSON.stringify(input)}`);
    const unitName = match[3] as string;
    if (unitName === '') throw new Error(`time: missing unit in duration ${JSON.stringify(input)}`);
    const unit = UNIT_NS[unitName];
    if (unit === undefined)
      throw new Error(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`);
    total += Number(`${match[1] || '0'}.${match[2] || '0'}`) * unit;
    s = s.slice(match[0].length);
  }
  return sign * Math.round(total);
}

/** Compose accepts a duration as a string, or a bare number that Go formats first (only 0 passes). */
export function durationOf(value: unknown): number {
  return parseDuration(typeof value === 'string' ? value : String(value));
}

/** Go's time.Duration.String(): "1h2m3.5s", "500ms", "0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const negative = ns < 0;
  let u = Math.abs(Math.round(ns));
  let out: string;
  if (u < 1e9) {
    const [unit, size] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = `${trimFraction(u, size as number)}${unit}`;
  } else {
    const hours = Math.floor(u / 3600e9);
    u -= hours * 3600e9;
    const minutes = Math.floor(u / 60e9);
    u -= minutes * 60e9;
    out = `${trimFraction(u, 1e9)}s`;
    if (hours > 0) out = `${hours}h${minutes}m${out}`;
    else if (minutes > 0) out = `${minutes}m${out}`;
  }
  return negative ? `-${out}` : out;
}

function trimFraction(value: number, size: number): string {
  const whole = Math.floor(value / size);
  const fraction = value - whole * size;
  if (fraction === 0) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
}

const SIZE_UNITS: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** docker/go-units RAMInBytes ("512m", "1.5GiB", "100") after compose-go's integer shortcut. */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  const text = String(value);
  if (/^[+-]?\d+$/.test(text)) return Number(text);
  const match = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!match) throw new Error(`invalid size: '${text}'`);
  const unit = match[2] ? (SIZE_UNITS[match[2].toLowerCase()] as number) : 1;
  return Math.trunc(Number.parseFloat(match[1] as string) * unit);
}
