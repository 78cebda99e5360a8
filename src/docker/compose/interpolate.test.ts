// compose-go's interpolation_test.go tables (testdata/interpolation-cases.ts) against interpolateTree.
import { describe, expect, test } from 'bun:test';
import { ComposeError } from './errors.ts';
import { interpolateTree, pathMatches, toBoolean, toInt } from './interpolate.ts';
import { environmentCases, pathMatchCases, treeCases } from './testdata/interpolation-cases.ts';

const casts = { int: toInt, bool: toBoolean };

describe('compose-go interpolation/interpolation_test.go', () => {
  test.each(treeCases.map((c) => [c.test, c] as const))('%s', (_name, c) => {
    const run = () =>
      interpolateTree(c.input, {
        lookup: (name) => c.lookup[name],
        casts: c.casts?.map(([pattern, cast]) => [pattern, casts[cast]] as const),
      });
    if (c.error) {
      expect(run).toThrow(ComposeError);
      expect(run).toThrow(c.error);
    } else {
      expect(run()).toEqual(c.expected);
    }
  });

  test.each(environmentCases.map((c) => [`${c.test}: ${c.value}`, c] as const))('%s', (_name, c) => {
    const run = () =>
      interpolateTree(
        { myservice: { environment: { TESTVAR: c.value } } },
        { lookup: (name) => c.lookup[name] },
      );
    if (c.errMsg !== undefined) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ComposeError);
      expect((error as ComposeError).code).toBe('compose_variable_required');
      expect((error as ComposeError).message).toBe(
        `error while interpolating myservice.environment.TESTVAR: required variable FOO is missing a value: ${c.errMsg}`,
      );
    } else {
      expect(run()).toEqual({ myservice: { environment: { TESTVAR: c.expected } } });
    }
  });

  test.each(pathMatchCases.map((c) => [c.doc, c] as const))('TestPathMatches: %s', (_name, c) => {
    expect(pathMatches(c.path, c.pattern)).toBe(c.expected);
  });
});
