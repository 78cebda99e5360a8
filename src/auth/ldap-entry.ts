// Reading attribute values out of ldapts search entries.
import type { Entry } from 'ldapts';

/** All values of the attribute as text. Names are matched case-insensitively, as LDAP does. */
export function attributeValues(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((name) => name !== 'dn' && name.toLowerCase() === wanted);
  if (key === undefined) return [];
  const value = entry[key];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.map((item) => (typeof item === 'string' ? item : item.toString('utf8')));
}

export function firstAttributeValue(entry: Entry, attribute: string): string | undefined {
  return attributeValues(entry, attribute)[0];
}
