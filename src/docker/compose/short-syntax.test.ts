// compose-go's volume and port short-syntax tables (testdata/short-syntax-cases.ts) against our parsers.
import { describe, expect, test } from 'bun:test';
import { parsePortSpec, parseVolumeSpec } from './short-syntax.ts';
import { portCases, volumeCases, volumeSplitCases } from './testdata/short-syntax-cases.ts';

describe('compose-go format/volume_test.go', () => {
  test.each(volumeCases.map((c) => [`${c.test}: ${c.spec}`, c] as const))('%s', (_name, c) => {
    if (c.error) expect(() => parseVolumeSpec(c.spec)).toThrow(c.error);
    else expect(parseVolumeSpec(c.spec)).toEqual(c.expected as never);
  });

  test.each(volumeSplitCases)('TestParseVolumeSplitCases: %s has a source: %p', (spec, hasSource) => {
    let source: string | undefined;
    try {
      source = parseVolumeSpec(spec).source;
    } catch {
      source = undefined;
    }
    expect(Boolean(source)).toBe(hasSource);
  });
});

describe('compose-go port parsing', () => {
  test.each(portCases.map((c) => [`${c.test}: ${c.spec}`, c] as const))('%s', (_name, c) => {
    if (c.error) expect(() => parsePortSpec(c.spec)).toThrow(c.error);
    else expect(parsePortSpec(c.spec)).toEqual(c.expected as never);
  });
});
