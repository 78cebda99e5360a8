// compose-go's loader/tests cases (testdata/loader-cases.ts) through our whole loader.
import { describe, expect, test } from 'bun:test';
import { loadProject } from './load.ts';
import { loaderCases } from './testdata/loader-cases.ts';

describe('compose-go loader/tests', () => {
  test.each(loaderCases.map((c) => [c.test, c] as const))('%s', async (_name, c) => {
    const project = await loadProject({
      workingDir: '/srv/test',
      files: [{ path: 'compose.yml', content: c.yaml }],
      variables: c.variables,
      readFile: async () => undefined,
    });
    expect(project).toMatchObject(c.expected);
    for (const [service, field] of c.absent ?? []) {
      expect(project.services[service]).not.toHaveProperty(field);
    }
  });
});
