// Dotenv files (`.env`, `env_file:`) parsed exactly as compose-go's dotenv package does: `KEY=v`,
// `KEY: v`, `export KEY=v`, comments and ` #` inline comments, single quotes (literal, `\'`
// escapes the quote), double quotes (shell escapes `\n \t \\ \" \$ \0NNN`, multi-line), a bare
// `KEY` line inheriting from the lookup, and `${VAR}` interpolation against the lookup then the
// keys defined above. Plus docker compose's `raw` format (docker run --env-file: no quotes, no
// escapes, no interpolation).
import { substitute, type VariableLookup } from './template.ts';

/** A malformed dotenv: `line` is 1-based. */
export class DotenvError extends Error {
  override name = 'DotenvError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/**
 * Parses dotenv text into `into` (later keys override) and returns it. `lookup` resolves bare
 * `KEY` lines and wins over the file's own keys while interpolating. Throws DotenvError, or the
 * template errors of `${VAR:?msg}` / invalid templates.
 */
export function parseDotenv(
  source: string,
  lookup: VariableLookup = () => undefined,
  into: Record<string, string> = {},
): Record<string, string> {
  new Parser(lookup, into).parse(source.startsWith('\uFEFF') ? source.slice(1) : source);
  return into;
}

/** docker compose's `format: raw` (docker/cli kvfile): `KEY=VALUE` as written, bare `KEY` from the lookup. */
export function parseRawEnv(
  source: string,
  lookup: VariableLookup = () => undefined,
  into: Record<string, string> = {},
): Record<string, string> {
  const lines = (source.startsWith('\uFEFF') ? source.slice(1) : source).split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.replace(/^[\s]+/u, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line.replace(/\r$/, '') : line.slice(0, eq);
    if (/\s/u.test(key)) throw new DotenvError(`variable '${key}' contains whitespaces`, index + 1);
    if (eq >= 0) {
      into[key] = line.slice(eq + 1).replace(/\r$/, '');
    } else {
      const value = lookup(key);
      if (value !== undefined) into[key] = value;
    }
  });
  return into;
}

/** Go's unicode.IsSpace. */
function isUnicodeSpace(c: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(c);
}

/** compose-go's isSpace: a space that is not a line break. */
function isSpace(c: string): boolean {
  return (
    c === '\t' || c === '\v' || c === '\f' || c === '\r' || c === ' ' || c === '\u0085' || c === '\u00a0'
  );
}

function trimLeft(s: string, predicate: (c: string) => boolean): string {
  let i = 0;
  for (const c of s) {
    if (!predicate(c)) break;
    i += c.length;
  }
  return s.slice(i);
}

function trimRight(s: string, predicate: (c: string) => boolean): string {
  const chars = Array.from(s);
  while (chars.length > 0 && predicate(chars[chars.length - 1] as string)) chars.pop();
  return chars.join('');
}

// Go: (\\(?:[abcfnrtv$"\\]|0\d{0,3}))
const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

function expandEscapes(value: string): string {
  return value.replace(ESCAPE_SEQUENCE, (match) => {
    if (match === '\\$') return '$$';
    if (match.startsWith('\\0')) {
      // Go rewrites \0NNN to \NNN and unquotes it: exactly three octal digits, at most 0377.
      const digits = match.slice(2);
      if (!/^[0-7]{3}$/.test(digits)) return match;
      const code = Number.parseInt(digits, 8);
      return code > 0o377 ? match : String.fromCharCode(code);
    }
    const key = match.slice(1);
    // strconv.UnquoteChar has no \c: it fails and the match is kept as written.
    return SIMPLE_ESCAPES[key] ?? match;
  });
}

class Parser {
  private line = 1;

  constructor(
    private readonly lookup: VariableLookup,
    private readonly out: Record<string, string>,
  ) {}

  parse(source: string): void {
    let rest = source;
    for (;;) {
      rest = this.statementStart(rest);
      if (rest === '') return;
      const located = this.locateKey(rest);
      if (located.key.includes(' ')) throw new DotenvError('key cannot contain a space', this.line);
      if (located.inherited) {
        const value = this.lookup(located.key);
        if (value !== undefined) this.out[located.key] = value;
        rest = located.rest;
        continue;
      }
      const extracted = this.extractValue(located.rest);
      this.out[located.key] = extracted.value;
      rest = extracted.rest;
    }
  }

  private statementStart(source: string): string {
    let src = source;
    for (;;) {
      const pos = this.indexOfNonSpace(src);
      if (pos === -1) return '';
      src = src.slice(pos);
      if (src[0] !== '#') return src;
      const newline = src.indexOf('\n');
      if (newline === -1) return '';
      src = src.slice(newline);
    }
  }

  private indexOfNonSpace(src: string): number {
    let i = 0;
    for (const c of src) {
      if (c === '\n') this.line++;
      if (!isUnicodeSpace(c)) return i;
      i += c.length;
    }
    return -1;
  }

  private locateKey(source: string): { key: string; rest: string; inherited: boolean } {
    let src = source;
    if (/^export[\t\n\f\r ]+/.test(src)) src = trimLeft(src.slice('export'.length), isSpace);
    let key = '';
    let offset = 0;
    let inherited = false;
    let i = 0;
    for (const c of src) {
      if (!isSpace(c)) {
        if (c === '=' || c === ':' || c === '\n') {
          key = src.slice(0, i);
          offset = i + 1;
          inherited = c === '\n';
          break;
        }
        if (!'_.-[]'.includes(c) && !/^[\p{L}\p{N}]$/u.test(c)) {
          throw new DotenvError(
            `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(src.split('\n')[0])}`,
            this.line,
          );
        }
      }
      i += c.length;
    }
    if (src === '') throw new DotenvError('zero length string');
    if (inherited && !key.includes(' ')) this.line++;
    return { key: trimRight(key, isUnicodeSpace), rest: trimLeft(src.slice(offset), isSpace), inherited };
  }

  private extractValue(src: string): { value: string; rest: string } {
    const quote = src[0] === '"' || src[0] === "'" ? src[0] : undefined;
    if (!quote) {
      const newline = src.indexOf('\n');
      let value = newline < 0 ? src : src.slice(0, newline);
      const rest = newline < 0 ? '' : src.slice(newline + 1);
      this.line++;
      const comment = value.indexOf(' #');
      if (comment >= 0) value = value.slice(0, comment);
      return { value: this.expand(trimRight(value, isUnicodeSpace)), rest };
    }
    let escaped = false;
    let chars = '';
    for (let i = 1; i < src.length; i++) {
      const c = src[i] as string;
      if (c === '\n') this.line++;
      if (c !== quote) {
        if (!escaped && c === '\\') {
          escaped = true;
          continue;
        }
        if (escaped) {
          escaped = false;
          chars += '\\';
        }
        chars += c;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += c;
        continue;
      }
      const value = quote === '"' ? this.expand(expandEscapes(chars)) : chars;
      return { value, rest: src.slice(i + 1) };
    }
    const end = src.indexOf('\n');
    throw new DotenvError(`unterminated quoted value ${end < 0 ? src : src.slice(0, end)}`, this.line);
  }

  private expand(value: string): string {
    return substitute(value, (name) => this.lookup(name) ?? this.out[name]);
  }
}

/**
 * Several dotenv files as compose-go's GetEnvFromFile reads the project's `.env`: later files
 * override earlier ones, and while interpolating each sees `environment` (the caller's variables)
 * first, then what the files defined so far. The result holds only the files' keys.
 */
export function parseDotenvFiles(
  files: ReadonlyArray<{ path: string; content: string }>,
  environment: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files) {
    try {
      parseDotenv(file.content, (name) => environment[name] ?? out[name], out);
    } catch (error) {
      throw Object.assign(new DotenvError(`failed to read ${file.path}: ${(error as Error).message}`), {
        cause: error,
        file: file.path,
      });
    }
  }
  return out;
}
