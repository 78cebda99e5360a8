// Filling the `{name}` placeholders of the LDAP filters an administrator configures.
import { Filter } from 'ldapts';

/** Put in place of a value to match any value: the placeholder becomes a bare `*`. */
export const MATCH_ANY = Symbol('match any value');

/**
 * Replaces each `{name}` in the template with its value escaped per RFC 4515, so that `*`, `(`, `)`,
 * `\` and NUL in a user name are matched literally instead of changing the filter. One pass, so a
 * value that itself contains `{name}` is never expanded again. Unknown placeholders stay as they are.
 */
export function fillFilterTemplate(
  template: string,
  values: Record<string, string | typeof MATCH_ANY>,
): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = values[name];
    if (value === undefined) return placeholder;
    return value === MATCH_ANY ? '*' : Filter.escape(value);
  });
}
