// compose-go's dotenv tests and fixtures (testdata/dotenv-cases.ts), every case, against our parser.
import { describe, expect, test } from 'bun:test';
import { parseDotenv, parseDotenvFiles, parseRawEnv } from './dotenv.ts';
import { dotenvCases, multipleFilesCase } from './testdata/dotenv-cases.ts';

describe('compose-go dotenv', () => {
  test.each(dotenvCases.map((c) => [c.test, c] as const))('%s', (_name, c) => {
    const lookup = (name: string) => c.lookup?.[name];
    if (c.error) {
      expect(() => parseDotenv(c.input, lookup)).toThrow(c.error);
      return;
    }
    const env = parseDotenv(c.input, lookup);
    if (c.exact) expect(env).toEqual(c.expected as Record<string, string>);
    else expect(env).toMatchObject(c.expected as Record<string, string>);
    for (const key of c.absent ?? []) expect(env).not.toHaveProperty(key);
  });

  test('TestMultipleFiles', () => {
    expect(parseDotenvFiles(multipleFilesCase.files, {})).toEqual(multipleFilesCase.withoutEnvironment);
    expect(parseDotenvFiles(multipleFilesCase.files, multipleFilesCase.environment)).toEqual(
      multipleFilesCase.withEnvironment,
    );
  });

  test('an error names the file and the line', () => {
    expect(() => parseDotenvFiles([{ path: '/s/.env', content: 'A=1\nB C=2\n' }], {})).toThrow(
      'failed to read /s/.env: line 2: key cannot contain a space',
    );
  });
});

describe('docker compose raw env_file format', () => {
  test('values are taken as written: no quotes, escapes or interpolation; bare keys from the lookup', () => {
    const env = parseRawEnv('# c\nA="q"\nB=$X \\n\n  C=x=y\nD\nE\n', (n) =>
      n === 'D' ? 'from-lookup' : undefined,
    );
    expect(env).toEqual({ A: '"q"', B: '$X \\n', C: 'x=y', D: 'from-lookup' });
  });
  test('a key with whitespace is refused with its line', () => {
    expect(() => parseRawEnv('A=1\nB C=2')).toThrow("line 2: variable 'B C' contains whitespaces");
  });
});
