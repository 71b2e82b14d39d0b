// What a filter value means for the JSON types SQLite's json_type names (the backend-neutral terms: ../filter-terms.ts).

/** The JSON types a filter value can equal or be ordered against (RFC 7643 §2.3: a string is never a number). */
export function jsonTypesOf(value: string | number | boolean): string {
  if (typeof value === 'string') return `('text')`
  return typeof value === 'number' ? `('integer', 'real')` : `('true', 'false')`
}
