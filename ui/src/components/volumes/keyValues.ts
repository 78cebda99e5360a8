/** Key/value rows to the object the API takes; rows without a key are left out. */
export function toRecord(rows: { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(rows.filter((row) => row.key.trim()).map((row) => [row.key.trim(), row.value]));
}
