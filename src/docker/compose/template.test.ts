// compose-go's template and interpolation test tables, transcribed as data (testdata/), run against
// our substitution and tree interpolation: every case must give compose-go's answer.
import { describe, expect, test } from 'bun:test';
import { InvalidTemplateError, MissingRequiredError, operatorFor, substitute } from './template.ts';
import { operatorChoiceCases, templateCases, templateDefaults } from './testdata/template-cases.ts';

describe('compose-go template/template_test.go', () => {
  test.each(templateCases.map((c) => [`${c.test}: ${c.template}`, c] as const))('%s', (_name, c) => {
    const mapping = c.mapping ?? templateDefaults;
    const unset: string[] = [];
    const run = () =>
      substitute(c.template, (name) => mapping[name], { onUnset: (name) => unset.push(name) });
    if (c.error) {
      const type = c.error.type === 'invalid' ? InvalidTemplateError : MissingRequiredError;
      expect(run).toThrow(type);
      expect(run).toThrow(c.error.contains);
    } else {
      expect(run()).toBe(c.expected as string);
    }
    if (c.warnings !== undefined) expect(unset).toHaveLength(c.warnings);
  });

  test.each(operatorChoiceCases.map((c) => [c.test, c] as const))(
    'TestSubstitutionFunctionChoice: %s',
    (_n, c) => {
      expect(operatorFor(c.input)).toBe(c.symbol);
    },
  );

  test('an invalid template error names the whole template', () => {
    expect(() => substitute('a ${ foo} b', () => undefined)).toThrow('Invalid template: "a ${ foo} b"');
  });
});
