// `${VAR}` substitution with exactly compose-go's semantics (its template package): `$VAR`,
// `${VAR}`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?err}` / `${VAR?err}`, `${VAR:+alt}` /
// `${VAR+alt}`, nested templates inside defaults, `$$` for a literal `$`, and "Invalid template" for
// `${`, `${}`, `${ foo}`... The algorithm (one regex whose braced group runs greedily to the last
// `}`, then a brace-balanced cut) is compose-go's own, so corner cases come out the same.

/** Looks a variable up: undefined when it is not set (as opposed to set to ""). */
export type VariableLookup = (name: string) => string | undefined;

export class InvalidTemplateError extends Error {
  override name = 'InvalidTemplateError';
  constructor(readonly template: string) {
    super(`Invalid template: ${JSON.stringify(template)}`);
  }
}

export class MissingRequiredError extends Error {
  override name = 'MissingRequiredError';
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(
      reason
        ? `required variable ${variable} is missing a value: ${reason}`
        : `required variable ${variable} is missing a value`,
    );
  }
}

export interface SubstituteOptions {
  /** Called for each variable that was used but is not set (compose warns "defaulting to a blank string"). */
  onUnset?: (name: string) => void;
}

// compose-go: \$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|(?P<invalid>)))
// The only letters are in the name classes, so the whole-pattern `i` flag is the same as Go's (?i:).
const SOURCE =
  '\\$(?:(?<escaped>\\$)|(?<named>[_a-z][_a-z0-9]*)|\\{(?:(?<braced>[_a-z][_a-z0-9]*(?::?[-+?][^\\n]*)?)\\}|(?<invalid>)))';
const GLOBAL_PATTERN = new RegExp(SOURCE, 'gi');
const ANCHORED_PATTERN = new RegExp(SOURCE, 'i');

type Substitution = (
  substitution: string,
  lookup: VariableLookup,
  options: SubstituteOptions,
) => string | null;

/** Replaces the templates in `template`. Throws InvalidTemplateError or MissingRequiredError (the first one met). */
export function substitute(
  template: string,
  lookup: VariableLookup,
  options: SubstituteOptions = {},
): string {
  let firstError: Error | undefined;
  const result = template.replace(GLOBAL_PATTERN, (match) => {
    try {
      return replace(match, lookup, options);
    } catch (error) {
      if (error instanceof InvalidTemplateError && error.template === '') {
        firstError ??= new InvalidTemplateError(template);
      } else {
        firstError ??= error as Error;
      }
      return '';
    }
  });
  if (firstError) throw firstError;
  return result;
}

function replace(matched: string, lookup: VariableLookup, options: SubstituteOptions): string {
  const substitutionFunction = substitutionFor(matched);
  let substring = matched;
  let rest = '';
  const closing = firstBraceClosingIndex(substring);
  if (closing > -1) {
    rest = substring.slice(closing + 1);
    substring = substring.slice(0, closing + 1);
  }
  const groups = ANCHORED_PATTERN.exec(substring)?.groups ?? {};
  if (groups.escaped) return groups.escaped;
  let name = groups.named;
  const braced = !name;
  if (braced) name = groups.braced;
  if (!name) throw new InvalidTemplateError('');
  if (braced) {
    const value = substitutionFunction(name, lookup, options);
    if (value !== null) return value + substitute(rest, lookup, options);
  }
  const value = lookup(name);
  if (value === undefined) options.onUnset?.(name);
  return value ?? '';
}

const OPERATORS: Array<[string, Substitution]> = [
  [':?', (s, l, o) => required(s, l, o, ':?', (v) => v !== '')],
  ['?', (s, l, o) => required(s, l, o, '?', () => true)],
  [':-', (s, l, o) => defaultWhenAbsent(s, l, o, ':-', true)],
  ['-', (s, l, o) => defaultWhenAbsent(s, l, o, '-', false)],
  [':+', (s, l, o) => defaultWhenPresent(s, l, o, ':+', true)],
  ['+', (s, l, o) => defaultWhenPresent(s, l, o, '+', false)],
];

/** The operator that appears first in the template (ties keep the order above), as compose-go picks it. */
export function operatorFor(template: string): string {
  return pickOperator(template)[0];
}

function substitutionFor(template: string): Substitution {
  return pickOperator(template)[1];
}

function pickOperator(template: string): [string, Substitution] {
  let best: [string, Substitution] = OPERATORS[0] as [string, Substitution];
  let bestIndex = -1;
  for (const entry of OPERATORS) {
    const index = template.indexOf(entry[0]);
    if (index < 0) continue;
    if (bestIndex < 0 || index < bestIndex) {
      best = entry;
      bestIndex = index;
    }
  }
  return best;
}

function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

function partition(s: string, separator: string): [string, string] {
  const index = s.indexOf(separator);
  return index < 0 ? [s, ''] : [s.slice(0, index), s.slice(index + separator.length)];
}

function defaultWhenAbsent(
  substitution: string,
  lookup: VariableLookup,
  options: SubstituteOptions,
  separator: string,
  emptyCounts: boolean,
): string | null {
  if (!substitution.includes(separator)) return null;
  const [name, fallback] = partition(substitution, separator);
  const value = lookup(name);
  if (value === undefined || (emptyCounts && value === '')) return substitute(fallback, lookup, options);
  return value;
}

function defaultWhenPresent(
  substitution: string,
  lookup: VariableLookup,
  options: SubstituteOptions,
  separator: string,
  nonEmptyOnly: boolean,
): string | null {
  if (!substitution.includes(separator)) return null;
  const [name, alternative] = partition(substitution, separator);
  const value = lookup(name);
  if (value !== undefined && (!nonEmptyOnly || value !== '')) return substitute(alternative, lookup, options);
  return value ?? '';
}

function required(
  substitution: string,
  lookup: VariableLookup,
  options: SubstituteOptions,
  separator: string,
  valid: (value: string) => boolean,
): string | null {
  if (!substitution.includes(separator)) return null;
  const [name, message] = partition(substitution, separator);
  const value = lookup(name);
  if (value === undefined || !valid(value)) {
    throw new MissingRequiredError(name, substitute(message, lookup, options));
  }
  return value;
}
