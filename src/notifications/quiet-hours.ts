// Quiet hours: whether an instant falls inside a daily window in a time zone, and when the
// window ends. A window may span midnight ("22:00" to "07:00").
import type { QuietHours } from '../store/records.ts';

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isValidTime(value: string): boolean {
  return TIME.test(value);
}

const minutesOf = (time: string) => {
  const [, hours, minutes] = TIME.exec(time) ?? [];
  return Number(hours) * 60 + Number(minutes);
};

/** Minutes since midnight at `at` in `timezone`. */
function localMinutes(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/** When the quiet window around `at` ends, or undefined when `at` is not inside one. */
export function quietUntil(hours: QuietHours | null, at = new Date()): Date | undefined {
  if (!hours) return undefined;
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  if (start === end) return undefined;
  const now = localMinutes(at, hours.timezone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const minutesLeft = (end - now + 1440) % 1440;
  const wholeMinute = new Date(at);
  wholeMinute.setUTCSeconds(0, 0);
  return new Date(wholeMinute.getTime() + minutesLeft * 60_000);
}
