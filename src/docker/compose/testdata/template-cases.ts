// compose-go's template tests (template/template_test.go, compose-spec/compose-go, Apache-2.0)
// transcribed as data: every Substitute case, with the test's own name. Cases that only exercise
// Go extension hooks (WithSubstitutionFunction/WithReplacementFunction, which Windflow has no
// equivalent of) keep their inputs but run through the default substitution; their
// default-behaviour assertions are the ones recorded.

/** compose-go's `defaults` mapping in template_test.go. */
export const templateDefaults: Record<string, string> = {
  FOO: 'first',
  BAR: '',
  JSON: '{"json":2}',
};

export interface TemplateCase {
  test: string;
  template: string;
  /** Replaces `templateDefaults` when the Go test uses its own mapping. */
  mapping?: Record<string, string>;
  expected?: string;
  /** Error expected: its class and a substring of its message. */
  error?: { type: 'invalid' | 'required'; contains: string };
  /** Number of "variable is not set" warnings compose-go logs (its captureWarnings tests). */
  warnings?: number;
}

const invalid = (contains = 'Invalid template') => ({ type: 'invalid' as const, contains });
const required = (contains: string) => ({ type: 'required' as const, contains });

export const templateCases: TemplateCase[] = [
  { test: 'TestEscaped', template: '$${foo}', expected: '${foo}' },
  { test: 'TestSubstituteNoMatch', template: 'foo', expected: 'foo' },
  { test: 'TestUnescaped', template: 'a $ string', expected: 'a $ string' },
  { test: 'TestUnescaped', template: '^REGEX$', expected: '^REGEX$' },
  { test: 'TestUnescaped', template: '$}', expected: '$}' },
  { test: 'TestUnescaped', template: '$', expected: '$' },
  { test: 'TestInvalid', template: '${', error: invalid() },
  { test: 'TestInvalid', template: '${}', error: invalid() },
  { test: 'TestInvalid', template: '${ }', error: invalid() },
  { test: 'TestInvalid', template: '${ foo}', error: invalid() },
  { test: 'TestInvalid', template: '${foo }', error: invalid() },
  { test: 'TestInvalid', template: '${foo!}', error: invalid() },
  { test: 'TestNonBraced', template: '$FOO-bar', expected: 'first-bar' },
  { test: 'TestNoValueNoDefault', template: 'This ${missing} var', expected: 'This  var' },
  { test: 'TestNoValueNoDefault', template: 'This ${BAR} var', expected: 'This  var' },
  { test: 'TestValueNoDefault', template: 'This $FOO var', expected: 'This first var' },
  { test: 'TestValueNoDefault', template: 'This ${FOO} var', expected: 'This first var' },
  { test: 'TestNoValueWithDefault', template: 'ok ${missing:-def}', expected: 'ok def' },
  { test: 'TestNoValueWithDefault', template: 'ok ${missing-def}', expected: 'ok def' },
  { test: 'TestLazyDefaultDoesNotWarn', template: '${A:+${A},}B', expected: 'B', warnings: 0 },
  { test: 'TestLazyDefaultWarnsWhenUsed', template: '${A:-${B}}', expected: '', warnings: 1 },
  {
    test: 'TestLazyRequiredMessageDoesNotWarn',
    template: '${A?${B}}',
    mapping: { A: 'value' },
    expected: 'value',
    warnings: 0,
  },
  { test: 'TestEmptyValueWithSoftDefault', template: 'ok ${BAR:-def}', expected: 'ok def' },
  { test: 'TestValueWithSoftDefault', template: 'ok ${FOO:-def}', expected: 'ok first' },
  { test: 'TestEmptyValueWithHardDefault', template: 'ok ${BAR-def}', expected: 'ok ' },
  { test: 'TestPresentValueWithUnset', template: 'ok ${UNSET_VAR:+presence_value}', expected: 'ok ' },
  { test: 'TestPresentValueWithUnset2', template: 'ok ${UNSET_VAR+presence_value}', expected: 'ok ' },
  {
    test: 'TestPresentValueWithNonEmpty',
    template: 'ok ${FOO:+presence_value}',
    expected: 'ok presence_value',
  },
  {
    test: 'TestPresentValueAndNonEmptyWithNonEmpty',
    template: 'ok ${FOO+presence_value}',
    expected: 'ok presence_value',
  },
  { test: 'TestPresentValueWithSet', template: 'ok ${BAR+presence_value}', expected: 'ok presence_value' },
  { test: 'TestPresentValueAndNotEmptyWithSet', template: 'ok ${BAR:+presence_value}', expected: 'ok ' },
  {
    test: 'TestNonAlphanumericDefault',
    template: 'ok ${BAR:-/non:-alphanumeric}',
    expected: 'ok /non:-alphanumeric',
  },
  {
    test: 'TestInterpolationExternalInterference',
    template: '-ok ${BAR:-defaultValue}',
    expected: '-ok defaultValue',
  },
  {
    test: 'TestInterpolationExternalInterference',
    template: '+ok ${UNSET:-${BAR-defaultValue}}',
    expected: '+ok ',
  },
  {
    test: 'TestInterpolationExternalInterference',
    template: '-ok ${FOO:-defaultValue}',
    expected: '-ok first',
  },
  {
    test: 'TestInterpolationExternalInterference',
    template: ':-ok ${UNSET-defaultValue}',
    expected: ':-ok defaultValue',
  },
  { test: 'TestInterpolationExternalInterference', template: ':-ok ${BAR-defaultValue}', expected: ':-ok ' },
  { test: 'TestInterpolationExternalInterference', template: ':?ok ${BAR-defaultValue}', expected: ':?ok ' },
  {
    test: 'TestInterpolationExternalInterference',
    template: ':?ok ${BAR:-defaultValue}',
    expected: ':?ok defaultValue',
  },
  {
    test: 'TestInterpolationExternalInterference',
    template: ':+ok ${BAR:-defaultValue}',
    expected: ':+ok defaultValue',
  },
  { test: 'TestInterpolationExternalInterference', template: '+ok ${BAR-defaultValue}', expected: '+ok ' },
  {
    test: 'TestInterpolationExternalInterference',
    template: '?ok ${BAR:-defaultValue}',
    expected: '?ok defaultValue',
  },
  { test: 'TestDefaultsWithNestedExpansion', template: 'ok ${UNSET_VAR-$FOO}', expected: 'ok first' },
  { test: 'TestDefaultsWithNestedExpansion', template: 'ok ${UNSET_VAR-${FOO}}', expected: 'ok first' },
  {
    test: 'TestDefaultsWithNestedExpansion',
    template: 'ok ${UNSET_VAR-${FOO} ${FOO}}',
    expected: 'ok first first',
  },
  { test: 'TestDefaultsWithNestedExpansion', template: 'ok ${BAR:-$FOO}', expected: 'ok first' },
  { test: 'TestDefaultsWithNestedExpansion', template: 'ok ${BAR:-${FOO}}', expected: 'ok first' },
  {
    test: 'TestDefaultsWithNestedExpansion',
    template: 'ok ${BAR:-${FOO} ${FOO}}',
    expected: 'ok first first',
  },
  { test: 'TestDefaultsWithNestedExpansion', template: 'ok ${BAR+$FOO}', expected: 'ok first' },
  {
    test: 'TestDefaultsWithNestedExpansion',
    template: 'ok ${BAR+$FOO ${FOO:+second}}',
    expected: 'ok first second',
  },
  {
    test: 'TestMandatoryVariableErrors',
    template: 'not ok ${UNSET_VAR:?Mandatory Variable Unset}',
    error: required('required variable UNSET_VAR is missing a value: Mandatory Variable Unset'),
  },
  {
    test: 'TestMandatoryVariableErrors',
    template: 'not ok ${BAR:?Mandatory Variable Empty}',
    error: required('required variable BAR is missing a value: Mandatory Variable Empty'),
  },
  {
    test: 'TestMandatoryVariableErrors',
    template: 'not ok ${UNSET_VAR:?}',
    error: required('required variable UNSET_VAR is missing a value'),
  },
  {
    test: 'TestMandatoryVariableErrors',
    template: 'not ok ${UNSET_VAR?Mandatory Variable Unset}',
    error: required('required variable UNSET_VAR is missing a value: Mandatory Variable Unset'),
  },
  {
    test: 'TestMandatoryVariableErrors',
    template: 'not ok ${UNSET_VAR?}',
    error: required('required variable UNSET_VAR is missing a value'),
  },
  {
    test: 'TestMandatoryVariableErrorsWithNestedExpansion',
    template: 'not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}',
    error: required('required variable UNSET_VAR is missing a value: Mandatory Variable first'),
  },
  {
    test: 'TestMandatoryVariableErrorsWithNestedExpansion',
    template: 'not ok ${UNSET_VAR?Mandatory Variable ${FOO}}',
    error: required('required variable UNSET_VAR is missing a value: Mandatory Variable first'),
  },
  { test: 'TestDefaultsForMandatoryVariables', template: 'ok ${FOO:?err}', expected: 'ok first' },
  { test: 'TestDefaultsForMandatoryVariables', template: 'ok ${FOO?err}', expected: 'ok first' },
  { test: 'TestDefaultsForMandatoryVariables', template: 'ok ${BAR?err}', expected: 'ok ' },
  // TestSubstituteWithCustomFunc / TestSubstituteWithReplacementFunc: the inputs, default substitution.
  { test: 'TestSubstituteWithCustomFunc', template: 'ok ${FOO}', expected: 'ok first' },
  { test: 'TestSubstituteWithCustomFunc', template: 'ok ${BAR}', expected: 'ok ' },
  { test: 'TestSubstituteWithCustomFunc', template: 'ok ${NOTHERE}', expected: 'ok ', warnings: 1 },
  {
    test: 'TestSubstituteWithReplacementFunc',
    template: 'ok ${SUBDOMAIN:-redis}.${FOO:?}',
    expected: 'ok redis.first',
  },
  {
    test: 'TestPrecedence',
    template: '${UNSET_VAR?bar-baz}',
    error: required('required variable UNSET_VAR is missing a value: bar-baz'),
  },
  { test: 'TestPrecedence', template: '${UNSET_VAR-myerror?msg}', expected: 'myerror?msg' },
  { test: 'TestPrecedence', template: '${FOO?bar-baz}', expected: 'first' },
  {
    test: 'TestPrecedence',
    template: '${BAR:-default_value_for_empty_var}',
    expected: 'default_value_for_empty_var',
  },
  {
    test: 'TestPrecedence',
    template: '${UNSET_VAR-default_value_for_unset_var}',
    expected: 'default_value_for_unset_var',
  },
  {
    test: 'TestNoValueWithCurlyBracesDefault',
    template: 'ok ${missing:-{"json":1}}',
    expected: 'ok {"json":1}',
  },
  {
    test: 'TestNoValueWithCurlyBracesDefault',
    template: 'ok ${missing-{"json":1}}',
    expected: 'ok {"json":1}',
  },
  { test: 'TestValueWithCurlyBracesDefault', template: 'ok ${JSON:-{"json":1}}', expected: 'ok {"json":2}' },
  { test: 'TestValueWithCurlyBracesDefault', template: 'ok ${JSON-{"json":1}}', expected: 'ok {"json":2}' },
];

/** TestSubstitutionFunctionChoice: which operator compose-go applies to a braced body. */
export const operatorChoiceCases: Array<{ test: string; input: string; symbol: string }> = [
  { test: 'Error when EMPTY or UNSET', input: 'VARNAME:?val?ue', symbol: ':?' },
  { test: 'Error when UNSET 1', input: 'VARNAME?val:?ue', symbol: '?' },
  { test: 'Error when UNSET 2', input: 'VARNAME?va-lu+e:?e', symbol: '?' },
  { test: 'Error when UNSET 3', input: 'VARNAME?va+lu-e:?e', symbol: '?' },
  { test: 'Default when EMPTY or UNSET', input: 'VARNAME:-value', symbol: ':-' },
  { test: 'Default when UNSET 1', input: 'VARNAME-va:-lu:?e', symbol: '-' },
  { test: 'Default when UNSET 2', input: 'VARNAME-va+lu?e', symbol: '-' },
  { test: 'Default when UNSET 3', input: 'VARNAME-va?lu+e', symbol: '-' },
  { test: 'Default when NOT EMPTY', input: 'VARNAME:+va:?lu:-e', symbol: ':+' },
  { test: 'Default when SET 1', input: 'VARNAME+va:+lue', symbol: '+' },
  { test: 'Default when SET 2', input: 'VARNAME+va?lu-e', symbol: '+' },
  { test: 'Default when SET 3', input: 'VARNAME+va-lu?e', symbol: '+' },
];
