// A build context folder as the tar the Engine's /build endpoint takes, leaving out what
// .dockerignore names (its common forms: paths, `*` and `**` globs, `!` exceptions).
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { streamFrom } from '../streams.ts';
import { type TarSourceEntry, tarStream } from '../volume-tar.ts';

/** The context as a tar; `extra` adds generated files (an inline Dockerfile). */
export function buildContextTar(
  directory: string,
  extra: Record<string, string> = {},
): ReadableStream<Uint8Array> {
  const ignore = ignoreRules(directory);
  const entries: TarSourceEntry[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const inContext = relative(directory, path);
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        walk(path);
      } else if (stat.isFile() && !ignore(inContext)) {
        entries.push({
          name: inContext,
          size: stat.size,
          mode: stat.mode & 0o7777,
          uid: 0,
          gid: 0,
          mtime: Math.floor(stat.mtimeMs / 1000),
          body: () =>
            streamFrom(
              (async function* () {
                yield readFileSync(path);
              })(),
            ),
        });
      }
    }
  };
  walk(directory);
  for (const [name, text] of Object.entries(extra)) {
    const bytes = new TextEncoder().encode(text);
    entries.push({
      name,
      size: bytes.length,
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: Math.floor(Date.now() / 1000),
      body: () =>
        streamFrom(
          (async function* () {
            yield bytes;
          })(),
        ),
    });
  }
  return tarStream(entries);
}

/** Whether a path (relative to the context) is excluded; the last matching rule wins. */
function ignoreRules(directory: string): (path: string) => boolean {
  let text = '';
  try {
    text = readFileSync(join(directory, '.dockerignore'), 'utf8');
  } catch {
    return () => false;
  }
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, matches: globMatcher(pattern) };
    });
  return (path) => {
    let ignored = false;
    for (const rule of rules) {
      // A rule naming a folder excludes what is inside it too.
      const parts = path.split('/');
      const hit = parts.some((_, index) => rule.matches(parts.slice(0, index + 1).join('/')));
      if (hit) ignored = !rule.negated;
    }
    return ignored;
  };
}

function globMatcher(pattern: string): (path: string) => boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
      if (pattern[index + 1] === '/') index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}
