// compose-go's interpolation tests (interpolation/interpolation_test.go, compose-spec/compose-go,
// Apache-2.0) transcribed as data. TestInterpolateWithDefaults read the process environment
// (t.Setenv); Windflow never reads its own environment, so its FOO is given as the lookup.

/** compose-go's `defaults` mapping in interpolation_test.go. */
export const interpolationDefaults: Record<string, string> = {
  USER: 'jenny',
  FOO: 'bar',
  count: '5',
  REQUIRED: 'true',
};

export interface TreeCase {
  test: string;
  lookup: Record<string, string>;
  input: unknown;
  expected?: unknown;
  /** The complete error message compose-go gives. */
  error?: string;
  /** Path patterns and the cast to apply (TestInterpolateWithCast). */
  casts?: Array<[string, 'int' | 'bool']>;
}

export const treeCases: TreeCase[] = [
  {
    test: 'TestInterpolate',
    lookup: interpolationDefaults,
    input: {
      servicea: {
        image: 'example:${USER}',
        volumes: ['$FOO:/target'],
        logging: { driver: '${FOO}', options: { user: '$USER' } },
      },
    },
    expected: {
      servicea: {
        image: 'example:jenny',
        volumes: ['bar:/target'],
        logging: { driver: 'bar', options: { user: 'jenny' } },
      },
    },
  },
  {
    test: 'TestInvalidInterpolation',
    lookup: interpolationDefaults,
    input: { servicea: { image: '${' } },
    error:
      'invalid interpolation format for servicea.image.\nYou may need to escape any $ with another $.\n${',
  },
  {
    test: 'TestInterpolateWithDefaults',
    lookup: { FOO: 'BARZ' },
    input: { networks: { foo: 'thing_${FOO}' } },
    expected: { networks: { foo: 'thing_BARZ' } },
  },
  {
    test: 'TestInterpolateWithCast',
    lookup: interpolationDefaults,
    input: { foo: { replicas: '$count', required: '$REQUIRED' } },
    casts: [
      ['*.replicas', 'int'],
      ['*.required', 'bool'],
    ],
    expected: { foo: { replicas: 5, required: true } },
  },
];

/** TestValidUnexistentInterpolation (empty environment) and TestValidExistentInterpolation (defaults). */
export interface EnvironmentCase {
  test: string;
  lookup: Record<string, string>;
  value: string;
  expected?: string;
  /** The reason part of "error while interpolating myservice.environment.TESTVAR: required variable FOO is missing a value: <reason>". */
  errMsg?: string;
}

const unexistent = (value: string, expected: string): EnvironmentCase => ({
  test: 'TestValidUnexistentInterpolation',
  lookup: {},
  value,
  expected,
});
const unexistentError = (value: string, errMsg: string): EnvironmentCase => ({
  test: 'TestValidUnexistentInterpolation',
  lookup: {},
  value,
  errMsg,
});
const existent = (value: string, expected: string): EnvironmentCase => ({
  test: 'TestValidExistentInterpolation',
  lookup: interpolationDefaults,
  value,
  expected,
});

export const environmentCases: EnvironmentCase[] = [
  unexistent('{{{ ${FOO:-foo_} }}}', '{{{ foo_ }}}'),
  unexistent('{{{ ${FOO:-foo-bar-value} }}}', '{{{ foo-bar-value }}}'),
  unexistent('{{{ ${FOO:-foo?bar?value} }}}', '{{{ foo?bar?value }}}'),
  unexistent('{{{ ${FOO:-foo:?bar:?value} }}}', '{{{ foo:?bar:?value }}}'),
  unexistent('{{{ ${FOO:-foo} ${BAR:-DEFAULT_VALUE} }}}', '{{{ foo DEFAULT_VALUE }}}'),
  unexistent('{{{ ${BAR} }}}', '{{{  }}}'),
  unexistent('${FOO:-baz} }}}', 'baz }}}'),
  unexistent('${FOO-baz} }}}', 'baz }}}'),
  unexistentError('{{{ ${FOO:?foo_} }}}', 'foo_'),
  unexistentError('{{{ ${FOO:?foo-bar-value} }}}', 'foo-bar-value'),
  unexistentError('{{{ ${FOO:?foo} ${BAR:-DEFAULT_VALUE} }}}', 'foo'),
  unexistentError('${FOO:?foo} ${BAR:?bar}', 'foo'),
  unexistent('{{{ ${BAR} }}}', '{{{  }}}'),
  unexistentError('${FOO:?baz} }}}', 'baz'),
  unexistentError('${FOO?baz} }}}', 'baz'),
  unexistent('${FOO:-${BAR:-${ZOT:-qix}}}', 'qix'),
  unexistent('${FOO:-${BAR:-x}_test_${BAR:-y}}', 'x_test_y'),
  unexistent('${FOO:-${BAR:-x}_test}', 'x_test'),
  unexistent('${FOO:-${BAR:-${ZOT:-x}}_test}', 'x_test'),
  existent('{{{ ${FOO:-foo_} }}}', '{{{ bar }}}'),
  existent('{{{ ${FOO:-foo-bar-value} }}}', '{{{ bar }}}'),
  existent('{{{ ${FOO:-foo} ${BAR:-DEFAULT_VALUE} }}}', '{{{ bar DEFAULT_VALUE }}}'),
  existent('{{{ ${BAR} }}}', '{{{  }}}'),
  existent('${FOO:-baz} }}}', 'bar }}}'),
  existent('${FOO-baz} }}}', 'bar }}}'),
  existent('{{{ ${FOO:-foo_} }}}', '{{{ bar }}}'),
  existent('{{{ ${FOO:-foo-bar-value} }}}', '{{{ bar }}}'),
  existent('{{{ ${FOO:-foo} ${USER:-bar} }}}', '{{{ bar jenny }}}'),
  existent('{{{ ${USER} }}}', '{{{ jenny }}}'),
  existent('${FOO:-baz} }}}', 'bar }}}'),
  existent('${FOO-baz} }}}', 'bar }}}'),
];

/** TestPathMatches (tree.Path.Matches). */
export const pathMatchCases: Array<{ doc: string; path: string[]; pattern: string; expected: boolean }> = [
  { doc: 'pattern too short', path: ['one', 'two', 'three'], pattern: 'one.two', expected: false },
  { doc: 'pattern too long', path: ['one', 'two'], pattern: 'one.two.three', expected: false },
  { doc: 'pattern mismatch', path: ['one', 'three', 'two'], pattern: 'one.two.three', expected: false },
  {
    doc: 'pattern mismatch with match-all part',
    path: ['one', 'three', 'two'],
    pattern: '*.two.three',
    expected: false,
  },
  {
    doc: 'pattern match with match-all part',
    path: ['one', 'two', 'three'],
    pattern: 'one.*.three',
    expected: true,
  },
  { doc: 'pattern match', path: ['one', 'two', 'three'], pattern: 'one.two.three', expected: true },
];
