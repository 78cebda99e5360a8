// Reading the first RDN of a distinguished name, e.g. the group name "Ops, EU" out of
// "CN=Ops\, EU,OU=Groups,DC=corp,DC=example" (RFC 4514 string form).

const FIRST_RDN_VALUE = /^[^=,+]+=((?:\\.|[^,+\\])*)/su;
const ESCAPE_OR_TEXT = /\\([0-9a-fA-F]{2})|\\(.)|([^\\]+)/gsu;

/** The unescaped value of the DN's first RDN, or undefined when the DN does not start with `type=value`. */
export function firstRdnValue(dn: string): string | undefined {
  const escapedValue = FIRST_RDN_VALUE.exec(dn)?.[1];
  if (escapedValue === undefined) return undefined;
  // A \HH escape is one UTF-8 byte, so a non-ASCII character may span several: decode them as
  // percent-escapes together with the plain text around them.
  const percentEncoded = escapedValue.replace(
    ESCAPE_OR_TEXT,
    (_match, hex?: string, char?: string, text?: string) =>
      hex ? `%${hex}` : encodeURIComponent(char ?? text ?? ''),
  );
  try {
    return decodeURIComponent(percentEncoded);
  } catch {
    return undefined;
  }
}
