// Evaluates a value filter against one element of a multi-valued attribute (PATCH targets; never used to scan a table).
import type { AttrRef, CompareOp, Filter, FilterValue } from '../../store/query.js'
import type { JsonValue } from '../../store/store.js'
import { parseDateTime } from './date-time.js'

function fieldOf(element: JsonValue, ref: AttrRef): JsonValue | undefined {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) return ref.sub === undefined ? element : undefined
  const key = ref.sub ?? ref.name
  const lower = key.toLowerCase()
  const found = Object.keys(element).find((candidate) => candidate.toLowerCase() === lower)
  return found === undefined ? undefined : element[found]
}

/**
 * RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a non-empty node. Null, "", [] and a node holding only empty values
 * are empty (RFC 7643 §2.5), as the store's compiled filters read them.
 */
function isPresent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false
  if (typeof value === 'string') return value !== ''
  if (Array.isArray(value)) return value.some(isPresent)
  if (typeof value === 'object') return Object.values(value).some(isPresent)
  return true
}

/** Text order by code point, which is SQLite's (UTF-8 bytes); `<` on strings orders UTF-16 code units instead. */
function compareText(left: string, right: string): number {
  const a = Array.from(left, (char) => char.codePointAt(0) ?? 0)
  const b = Array.from(right, (char) => char.codePointAt(0) ?? 0)
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

function compareValues(actual: JsonValue | undefined, op: CompareOp, expected: FilterValue, attr: AttrRef): boolean {
  // RFC 7643 §2.5: null is unassigned: `eq null` is "not present", `ne null` is "present".
  if (expected === null) return op === 'ne' ? isPresent(actual) : !isPresent(actual)
  if (actual === undefined || actual === null) return op === 'ne'
  let left: JsonValue = actual
  let right: FilterValue = expected
  if (attr.type === 'dateTime') {
    // The parser gave `expected` in the stored form, where text order is time order (RFC 7644 §3.4.2.2).
    if (typeof left === 'string') left = parseDateTime(left)?.text ?? left
  } else if (typeof left === 'string' && typeof right === 'string' && !attr.caseExact) {
    left = left.toLowerCase()
    right = right.toLowerCase()
  }
  if (typeof left === 'object') return op === 'ne'
  const order = typeof left === 'string' && typeof right === 'string' ? compareText(left, right) : undefined
  switch (op) {
    case 'eq':
      return left === right
    case 'ne':
      return left !== right
    case 'co':
      return typeof left === 'string' && typeof right === 'string' && left.includes(right)
    case 'sw':
      return typeof left === 'string' && typeof right === 'string' && left.startsWith(right)
    case 'ew':
      return typeof left === 'string' && typeof right === 'string' && left.endsWith(right)
    case 'gt':
      return order !== undefined ? order > 0 : typeof left === typeof right && left > right
    case 'ge':
      return order !== undefined ? order >= 0 : typeof left === typeof right && left >= right
    case 'lt':
      return order !== undefined ? order < 0 : typeof left === typeof right && left < right
    case 'le':
      return order !== undefined ? order <= 0 : typeof left === typeof right && left <= right
    default: {
      const never: never = op
      return never
    }
  }
}

/** Whether `element` satisfies `filter`, whose attribute refs name sub-attributes of the element. */
export function matchesElement(filter: Filter, element: JsonValue): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesElement(filter.left, element) && matchesElement(filter.right, element)
    case 'or':
      return matchesElement(filter.left, element) || matchesElement(filter.right, element)
    case 'not':
      return !matchesElement(filter.filter, element)
    case 'present':
      return isPresent(fieldOf(element, filter.attr))
    case 'compare':
      return compareValues(fieldOf(element, filter.attr), filter.op, filter.value, filter.attr)
    case 'valuePath':
      return false
    default: {
      const never: never = filter
      return never
    }
  }
}

/** The `{sub: value}` pairs an `eq`-only filter pins down, so that an add can create the element it names (Entra). */
export function equalityFields(filter: Filter): Record<string, string | number | boolean> | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.value !== null && filter.attr.sub !== undefined) {
    return { [filter.attr.sub]: filter.value }
  }
  if (filter.kind === 'and') {
    const left = equalityFields(filter.left)
    const right = equalityFields(filter.right)
    return left === undefined || right === undefined ? undefined : { ...left, ...right }
  }
  return undefined
}
