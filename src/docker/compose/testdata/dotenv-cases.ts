// compose-go's dotenv tests (dotenv/godotenv_test.go, dotenv/godotenv_var_expansion_test.go,
// dotenv/parser_test.go and dotenv/fixtures/, compose-spec/compose-go, Apache-2.0 — itself from
// joho/godotenv, MIT) transcribed as data. Go-API-only tests are left out: Load's os.Setenv
// behaviour (TestLoadDoesNotOverride, TestActualEnvVarsAreLeftAlone: Windflow never writes its
// environment — their precedence rule, the caller's variables win, is what `lookup` gives),
// opening a missing file or a directory (the loader's own errors), and RegisterFormat
// (TestLoadWithFormat: compose has no custom formats, only docker compose's `raw`, tested apart).

/** The fixture files, byte for byte (utf8-bom.env starts with U+FEFF). */
export const dotenvFixtures: Record<string, string> = {
  'equals.env': "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n\n",
  'exported.env': "export OPTION_A=2\nexport OPTION_B='\\n'\n",
  'inherited-multi-var.env': 'foo=bar\nVAR_TO_BE_LOADED_FROM_OS_ENV\nbar=baz\n',
  'inherited-not-found.env': 'VARIABLE_NOT_FOUND\n',
  'inherited-single-var.env': 'VAR_TO_BE_LOADED_FROM_OS_ENV\n',
  'invalid1.env': '# some comments\nfoo="\n  a\n  multine\n  value\n"\nINVALID LINE\nzot=qix',
  'plain.env':
    'OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n',
  'quoted.env':
    "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\" # Inline comment\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n",
  'special.env': 'VAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\nVAR-WITH-DASHES=dashes\n',
  'substitutions-default.env':
    'OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n',
  'substitutions.env':
    'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n',
  'unquoted.env':
    'OPTION_A = "some quoted phrase"\nOPTION_B=first one with an unquoted phrase\nOPTION_C = then another one with an unquoted phrase\nOPTION_D = then another one with an unquoted phrase special \u00e8 char\nOPTION_E = "then another one quoted phrase"\n',
  'utf8-bom.env':
    '\ufeffOPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F =\nOPTION_G=\nOPTION_H = my string # Inline comment\n',
};

/** A single dotenv text: the keys it must give (other keys may exist unless `exact`). */
export interface DotenvCase {
  test: string;
  input: string;
  /** Stands for the caller's environment (os.LookupEnv in the Go tests). */
  lookup?: Record<string, string>;
  expected?: Record<string, string>;
  /** The result has exactly the expected keys. */
  exact?: boolean;
  /** Keys that must be absent. */
  absent?: string[];
  error?: string;
}

const parsing = (input: string, key: string, value: string): DotenvCase => ({
  test: 'TestParsing',
  input,
  expected: { [key]: value },
});
const fixture = (
  test: string,
  name: string,
  expected: Record<string, string>,
  extra: Partial<DotenvCase> = {},
) => ({
  test: `${test} (${name})`,
  input: dotenvFixtures[name] as string,
  expected,
  ...extra,
});
const expandCase = (test: string, input: string, result: string): DotenvCase => ({
  test,
  // godotenv_var_expansion_test.go's envMap as earlier lines of the same file.
  input: `EMPTY_VAR=\nTEST_VAR=Test Value\nRESULT_LINE=${input}`,
  expected: { RESULT_LINE: result },
});
const expandError = (test: string, input: string, variable: string, reason: string): DotenvCase => ({
  test,
  input: `EMPTY_VAR=\nTEST_VAR=Test Value\nRESULT_LINE=${input}`,
  error: `required variable ${variable} is missing a value: ${reason}`,
});

export const dotenvCases: DotenvCase[] = [
  fixture(
    'TestReadPlainEnv',
    'plain.env',
    {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '3',
      OPTION_D: '4',
      OPTION_E: '5',
      OPTION_F: '',
      OPTION_G: '',
      OPTION_H: 'my string',
      // godotenv's Read drops keys starting with a digit; compose-go's GetEnvFromFile, which compose
      // uses for .env and env_file, keeps them: so do we.
      '456': 'ABC',
    },
    { exact: true },
  ),
  {
    test: 'TestParse',
    input: 'ONE=1\nTWO=\'2\'\nTHREE = "3"',
    expected: { ONE: '1', TWO: '2', THREE: '3' },
    exact: true,
  },
  fixture('TestLoadPlainEnv', 'plain.env', {
    OPTION_A: '1',
    OPTION_B: '2',
    OPTION_C: '3',
    OPTION_D: '4',
    OPTION_E: '5',
  }),
  fixture('TestLoadExportedEnv', 'exported.env', { OPTION_A: '2', OPTION_B: '\\n' }),
  fixture('TestLoadEqualsEnv', 'equals.env', {
    OPTION_A: 'postgres://localhost:5432/database?sslmode=disable',
  }),
  fixture('TestLoadQuotedEnv', 'quoted.env', {
    OPTION_A: '1',
    OPTION_B: '2',
    OPTION_C: '',
    OPTION_D: '\\n',
    OPTION_E: '1',
    OPTION_F: '2',
    OPTION_G: '',
    OPTION_H: '\n',
    OPTION_I: "echo 'asd'",
    OPTION_J: 'first line\nsecond line\nthird line\nand so on',
    OPTION_K: "Let's go!",
    OPTION_Z: 'last value',
  }),
  fixture('TestLoadUnquotedEnv', 'unquoted.env', {
    OPTION_A: 'some quoted phrase',
    OPTION_B: 'first one with an unquoted phrase',
    OPTION_C: 'then another one with an unquoted phrase',
    OPTION_D: 'then another one with an unquoted phrase special \u00e8 char',
    OPTION_E: 'then another one quoted phrase',
  }),
  fixture('TestSubstitutions', 'substitutions.env', {
    OPTION_A: '1',
    OPTION_B: '1',
    OPTION_C: '1',
    OPTION_D: '1_1',
    OPTION_E: '',
  }),
  {
    test: 'TestExpanding: expands variables found in values',
    input: 'FOO=test\nBAR=$FOO',
    expected: { FOO: 'test', BAR: 'test' },
  },
  {
    test: 'TestExpanding: parses variables wrapped in brackets',
    input: 'FOO=test\nBAR=${FOO}bar',
    expected: { FOO: 'test', BAR: 'testbar' },
  },
  {
    test: 'TestExpanding: expands undefined variables to an empty string',
    input: 'BAR=$FOO',
    expected: { BAR: '' },
  },
  {
    test: 'TestExpanding: expands variables in double quoted strings',
    input: 'FOO=test\nBAR="quote $FOO"',
    expected: { FOO: 'test', BAR: 'quote test' },
  },
  {
    test: 'TestExpanding: does not expand variables in single quoted strings',
    input: "BAR='quote $FOO'",
    expected: { BAR: 'quote $FOO' },
  },
  {
    test: 'TestExpanding: does not expand escaped variables 1',
    input: String.raw`FOO="foo\$BAR"`,
    expected: { FOO: 'foo$BAR' },
  },
  {
    test: 'TestExpanding: does not expand escaped variables 2',
    input: String.raw`FOO="foo\${BAR}"`,
    expected: { FOO: 'foo${BAR}' },
  },
  {
    test: 'TestExpanding: does not expand escaped variables 3',
    input: 'FOO=test\nBAR="foo\\${FOO} ${FOO}"',
    expected: { FOO: 'test', BAR: 'foo${FOO} test' },
  },
  {
    test: 'TestVariableStringValueSeparator',
    input: 'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"',
    expected: { TEST_URLS: 'stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443' },
    exact: true,
  },
  parsing('FOO=bar', 'FOO', 'bar'),
  parsing('FOO =bar', 'FOO', 'bar'),
  parsing('FOO= bar', 'FOO', 'bar'),
  parsing('FOO="bar"', 'FOO', 'bar'),
  parsing("FOO='bar'", 'FOO', 'bar'),
  parsing(String.raw`FOO="escaped\"bar"`, 'FOO', 'escaped"bar'),
  parsing(String.raw`FOO="\"quoted\""`, 'FOO', '"quoted"'),
  parsing(`FOO="'d'"`, 'FOO', `'d'`),
  parsing('OPTION_A: 1', 'OPTION_A', '1'),
  parsing('OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'),
  parsing('OPTION_A=1:B', 'OPTION_A', '1:B'),
  parsing('export OPTION_A=2', 'OPTION_A', '2'),
  parsing(String.raw`export OPTION_B='\n'`, 'OPTION_B', '\\n'),
  parsing('export exportFoo=2', 'exportFoo', '2'),
  parsing('exportFOO=2', 'exportFOO', '2'),
  parsing('export_FOO =2', 'export_FOO', '2'),
  parsing('export.FOO= 2', 'export.FOO', '2'),
  parsing('export\tOPTION_A=2', 'OPTION_A', '2'),
  parsing('  export OPTION_A=2', 'OPTION_A', '2'),
  parsing('\texport OPTION_A=2', 'OPTION_A', '2'),
  parsing('export OPTION_A="export A"', 'OPTION_A', 'export A'),
  parsing(String.raw`FOO="bar\nbaz"`, 'FOO', 'bar\nbaz'),
  parsing(String.raw`FOO=a\tb`, 'FOO', String.raw`a\tb`),
  parsing(String.raw`FOO="a\tb"`, 'FOO', 'a\tb'),
  parsing(String.raw`KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z"`, 'KEY', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'),
  parsing('FOO.BAR=foobar', 'FOO.BAR', 'foobar'),
  parsing('FOO=foobar=', 'FOO', 'foobar='),
  parsing('FOO=bar ', 'FOO', 'bar'),
  parsing('FOO=bar # this is foo', 'FOO', 'bar'),
  parsing('FOO=bar #this is foo', 'FOO', 'bar'),
  parsing('FOO=bar #', 'FOO', 'bar'),
  parsing('FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'),
  parsing('FOO="bar#baz"', 'FOO', 'bar#baz'),
  parsing('FOO="bar#baz"#', 'FOO', 'bar#baz'),
  parsing('FOO="bar#baz" # comment', 'FOO', 'bar#baz'),
  parsing("FOO='bar#baz' # comment", 'FOO', 'bar#baz'),
  parsing('FOO="bar#baz#bang" # comment', 'FOO', 'bar#baz#bang'),
  parsing('FOO="ba#r"', 'FOO', 'ba#r'),
  parsing("FOO='ba#r'", 'FOO', 'ba#r'),
  parsing(String.raw`FOO="bar\n\ b\az"`, 'FOO', 'bar\n\\ b\x07z'),
  parsing(String.raw`FOO="bar\\\n\ b\az"`, 'FOO', 'bar\\\n\\ b\x07z'),
  parsing(String.raw`FOO="bar\\r\ b\az"`, 'FOO', 'bar\\r\\ b\x07z'),
  parsing(String.raw`FOO="bar\nbaz\\"`, 'FOO', 'bar\nbaz\\'),
  parsing('="value"', '', 'value'),
  parsing(' KEY =value', 'KEY', 'value'),
  parsing('   KEY=value', 'KEY', 'value'),
  parsing('\tKEY=value', 'KEY', 'value'),
  parsing(String.raw`KEY="\0123"`, 'KEY', 'S'),
  parsing(String.raw`KEY="\x07"`, 'KEY', String.raw`\x07`),
  parsing(String.raw`KEY="\u12e4"`, 'KEY', String.raw`\u12e4`),
  parsing(String.raw`KEY="\U00101234"`, 'KEY', String.raw`\U00101234`),
  {
    test: 'TestParsing: badly formatted line',
    input: 'lol$wut',
    error: 'unexpected character "$" in variable name "lol$wut"',
  },
  ...[
    'KEY="',
    'KEY="value',
    String.raw`KEY="value\"`,
    `KEY="value'`,
    "KEY='",
    "KEY='value",
    String.raw`KEY='value\'`,
    `KEY='value"`,
  ].map(
    (input): DotenvCase => ({ test: 'TestUnterminatedQuotes', input, error: 'unterminated quoted value' }),
  ),
  { test: 'TestLinesToIgnore: Line with nothing but line break', input: '\n', expected: {}, exact: true },
  {
    test: 'TestLinesToIgnore: Line with nothing but windows-style line break',
    input: '\r\n',
    expected: {},
    exact: true,
  },
  { test: 'TestLinesToIgnore: Line full of whitespace', input: '\t\t ', expected: {}, exact: true },
  { test: 'TestLinesToIgnore: Comment', input: '# Comment', expected: {}, exact: true },
  { test: 'TestLinesToIgnore: Indented comment', input: '\t # comment', expected: {}, exact: true },
  {
    test: 'TestLinesToIgnore: non-ignored value',
    input: String.raw`export OPTION_B='\n'`,
    expected: { OPTION_B: '\\n' },
    exact: true,
  },
  {
    test: 'TestErrorParsing (invalid1.env)',
    input: dotenvFixtures['invalid1.env'] as string,
    error: 'line 7: key cannot contain a space',
  },
  fixture(
    'TestInheritedEnvVariableSameSize',
    'inherited-multi-var.env',
    { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE', foo: 'bar', bar: 'baz' },
    {
      lookup: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
      exact: true,
    },
  ),
  fixture(
    'TestInheritedEnvVariableSingleVar',
    'inherited-single-var.env',
    { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
    {
      lookup: { VAR_TO_BE_LOADED_FROM_OS_ENV: 'SOME_RANDOM_VALUE' },
      exact: true,
    },
  ),
  fixture(
    'TestInheritedEnvVariableNotFound',
    'inherited-not-found.env',
    {},
    { absent: ['VARIABLE_NOT_FOUND'] },
  ),
  {
    test: 'TestExpandingEnvironmentWithLookup',
    input: 'TEST=$ME',
    lookup: { ME: 'YES' },
    expected: { TEST: 'YES' },
  },
  fixture(
    'TestSubstitutionsWithEnvFilePrecedence',
    'substitutions.env',
    {
      OPTION_A: '1',
      OPTION_B: '5',
      OPTION_C: '5',
      OPTION_D: '5_5',
      OPTION_E: '',
    },
    { lookup: { OPTION_A: '5' }, exact: true },
  ),
  fixture(
    'TestSubstitutionsWithEnvFileDefaultValuePrecedence',
    'substitutions-default.env',
    {
      OPTION_A: '5',
      OPTION_B: '5',
      OPTION_C: '5',
      OPTION_D: '5_5',
      OPTION_E: '',
    },
    { lookup: { OPTION_A: '5' }, exact: true },
  ),
  fixture(
    'TestSubstitutionsWithUnsetVarEnvFileDefaultValuePrecedence',
    'substitutions-default.env',
    {
      OPTION_A: '1',
      OPTION_B: '1',
      OPTION_C: '1',
      OPTION_D: '1_1',
      OPTION_E: '',
    },
    { exact: true },
  ),
  fixture('TestUTF8BOM', 'utf8-bom.env', {
    OPTION_A: '1',
    OPTION_B: '2',
    OPTION_C: '3',
    OPTION_D: '4',
    OPTION_E: '5',
  }),
  fixture('TestDash', 'special.env', {
    'VAR-WITH-DASHES': 'dashes',
    'VAR.WITH.DOTS': 'dots',
    VAR_WITH_UNDERSCORES: 'underscores',
  }),
  expandCase(
    'TestExpandIfEmptyOrUnset: UNSET_VAR',
    'RESULT=${UNSET_VAR:-Default Value}',
    'RESULT=Default Value',
  ),
  expandCase(
    'TestExpandIfEmptyOrUnset: EMPTY_VAR',
    'RESULT=${EMPTY_VAR:-Default Value}',
    'RESULT=Default Value',
  ),
  expandCase('TestExpandIfEmptyOrUnset: TEST_VAR', 'RESULT=${TEST_VAR:-Default Value}', 'RESULT=Test Value'),
  expandCase('TestExpandIfUnset: UNSET_VAR', 'RESULT=${UNSET_VAR-Default Value}', 'RESULT=Default Value'),
  expandCase('TestExpandIfUnset: EMPTY_VAR', 'RESULT=${EMPTY_VAR-Default Value}', 'RESULT='),
  expandCase('TestExpandIfUnset: TEST_VAR', 'RESULT=${TEST_VAR-Default Value}', 'RESULT=Test Value'),
  expandError(
    'TestErrorIfEmptyOrUnset: UNSET_VAR',
    'RESULT=${UNSET_VAR:?Test error}',
    'UNSET_VAR',
    'Test error',
  ),
  expandError(
    'TestErrorIfEmptyOrUnset: EMPTY_VAR',
    'RESULT=${EMPTY_VAR:?Test error}',
    'EMPTY_VAR',
    'Test error',
  ),
  expandCase('TestErrorIfEmptyOrUnset: TEST_VAR', 'RESULT=${TEST_VAR:?Default Value}', 'RESULT=Test Value'),
  expandError('TestErrorIfUnset: UNSET_VAR', 'RESULT=${UNSET_VAR?Test error}', 'UNSET_VAR', 'Test error'),
  expandCase('TestErrorIfUnset: EMPTY_VAR', 'RESULT=${EMPTY_VAR?Test error}', 'RESULT='),
  expandCase('TestErrorIfUnset: TEST_VAR', 'RESULT=${TEST_VAR?Default Value}', 'RESULT=Test Value'),
  {
    test: 'TestParseBytes',
    input:
      '\na=b\na[1]=c\na.propertyKey=d\n\u00e1rv\u00edzt\u0171r\u0151-T\u00dcK\u00d6RF\u00daR\u00d3G\u00c9P=\u00c1RV\u00cdZT\u0170R\u0150-t\u00fck\u00f6rf\u00far\u00f3g\u00e9p\n',
    expected: {
      a: 'b',
      'a[1]': 'c',
      'a.propertyKey': 'd',
      '\u00e1rv\u00edzt\u0171r\u0151-T\u00dcK\u00d6RF\u00daR\u00d3G\u00c9P':
        '\u00c1RV\u00cdZT\u0170R\u0150-t\u00fck\u00f6rf\u00far\u00f3g\u00e9p',
    },
    exact: true,
  },
  {
    test: 'TestParseVariable',
    input: '%!(EXTRA string)=foo',
    error: 'line 1: unexpected character "%" in variable name "%!(EXTRA string)=foo"',
  },
  {
    test: 'TestMemoryExplosion',
    input: Array.from({ length: 1000 }, (_, i) => `KEY${i}=VALUE${i}`).join('\n'),
    expected: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`KEY${i}`, `VALUE${i}`])),
    exact: true,
  },
];

/** TestMultipleFiles (GetEnvFromFile): several files, each seeing the caller's environment first. */
export const multipleFilesCase = {
  files: [
    { path: 'base.env', content: '\nENV_HOSTNAME=localhost\nENV_MY_URL="http://${ENV_HOSTNAME}"\n' },
    {
      path: 'override.env',
      content: '\nENV_HOSTNAME=dev.my-company.com\nENV_MY_URL="http://${ENV_HOSTNAME}"\n',
    },
  ],
  withoutEnvironment: { ENV_HOSTNAME: 'dev.my-company.com', ENV_MY_URL: 'http://dev.my-company.com' },
  environment: { ENV_HOSTNAME: 'host.local' },
  withEnvironment: { ENV_HOSTNAME: 'dev.my-company.com', ENV_MY_URL: 'http://host.local' },
};
