// compose-go's override merge tables (testdata/merge-cases.ts) against mergeYaml + enforceUnicity.
import { describe, expect, test } from 'bun:test';
import { parse } from 'yaml';
import { enforceUnicity, mergeYaml } from './merge.ts';
import { mergeCases } from './testdata/merge-cases.ts';

describe('compose-go override/merge_*_test.go', () => {
  test.each(mergeCases.map((c) => [`${c.file} ${c.test}`, c] as const))('%s', (_name, c) => {
    let merged = mergeYaml(parse(c.base), parse(c.override), []);
    if (!c.noUnicity) merged = enforceUnicity(merged);
    expect(merged).toEqual(parse(c.expected));
  });
});
