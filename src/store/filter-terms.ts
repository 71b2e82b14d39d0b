// What a filter term means whatever the backend: prefix bounds in code-point order, filters that hold for empty elements.
import type { Filter } from './query.js'

/**
 * The least string above every string that starts with `prefix`, in code-point order (SQLite's text order, and
 * PostgreSQL's under COLLATE "C": UTF-8 bytes order them so); undefined when there is none (a prefix of U+10FFFF only, or empty). Appending U+10FFFF is not one:
 * `prefix` + U+10FFFF + "x" starts with the prefix and sorts above it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) ?? 0)
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop()
  const last = points.pop()
  if (last === undefined) return undefined
  // Code points D800–DFFF are no characters: the one after D7FF is E000.
  points.push(last + 1 === 0xd800 ? 0xe000 : last + 1)
  return String.fromCodePoint(...points)
}

/** Whether a value filter holds for an element whose sub-attributes are all unassigned (`ne`, `eq null`, `not`). */
export function holdsForEmpty(filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
      return holdsForEmpty(filter.left) && holdsForEmpty(filter.right)
    case 'or':
      return holdsForEmpty(filter.left) || holdsForEmpty(filter.right)
    case 'not':
      return !holdsForEmpty(filter.filter)
    case 'compare':
      return filter.value === null ? filter.op === 'eq' : filter.op === 'ne'
    case 'present':
    case 'valuePath':
      return false
    default: {
      const never: never = filter
      return never
    }
  }
}
