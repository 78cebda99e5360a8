// Durations and sizes as compose reads them (str2duration, go-units RAMInBytes) and Go prints them.
import { describe, expect, test } from 'bun:test';
import { durationOf, formatGoDuration, parseBytes, parseDuration } from './units.ts';

describe('durations', () => {
  test.each([
    ['0', 0],
    ['1s', 1e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['500ms', 5e8],
    ['10us', 1e4],
    ['10µs', 1e4],
    ['2d', 2 * 86400e9],
    ['1w', 604800e9],
    ['-1s', -1e9],
    ['1h2m3s4ms', 3723004e6],
  ] as const)('%s is %d ns', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  test.each(['', '10', 's', '1x', '1.s.'])('%p is refused', (text) => {
    expect(() => parseDuration(text)).toThrow();
  });

  test('a bare number is formatted as Go does first: only 0 passes', () => {
    expect(durationOf(0)).toBe(0);
    expect(() => durationOf(10)).toThrow('missing unit');
  });

  test.each([
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [5e8, '500ms'],
    [1.5e9, '1.5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [3723.5e9, '1h2m3.5s'],
    [-2e9, '-2s'],
  ] as const)('%d ns prints as %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});

describe('sizes', () => {
  test.each([
    [1024, 1024],
    ['100', 100],
    ['1k', 1024],
    ['512m', 512 * 1024 ** 2],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2 MB', 2 * 1024 ** 2],
    ['1t', 1024 ** 4],
  ] as const)('%p is %d bytes', (value, bytes) => {
    expect(parseBytes(value)).toBe(bytes);
  });

  test('nonsense is refused', () => {
    expect(() => parseBytes('12 apples')).toThrow("invalid size: '12 apples'");
  });
});
