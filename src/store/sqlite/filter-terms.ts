// What a filter term means for the values SQLite holds: prefix bounds in text order, and JSON types.

/** The JSON types a filter value can equal or be ordered against (RFC 7643 §2.3: a string is never a number). */
export function jsonTypesOf(value: string | number | boolean): string {
  if (typeof value === 'string') return `('text')`
  return typeof value === 'number' ? `('integer', 'real')` : `('true', 'false')`
}
