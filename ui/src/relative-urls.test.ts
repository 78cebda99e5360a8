// The UI works under a proxy's prefix (/windflow/) only if its URLs are relative to the <base>
// the server writes into index.html: an absolute '/api/…' would skip the prefix. This guards
// every file of the UI against one.
import { expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

test('no UI source asks for an absolute /api/ path', () => {
  const offenders: string[] = [];
  for (const entry of readdirSync(import.meta.dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|vue)$/.test(entry.name) || entry.name.endsWith('.test.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (/['"`]\/api[/'"`]/.test(line)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
      });
  }
  expect(offenders).toEqual([]);
});
