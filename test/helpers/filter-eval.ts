// An in-memory reading of SCIM filters over resources as a read returns them, from RFC 7644 §3.4.2.2 and RFC 7643 alone.
//
// It shares nothing with src/ but the filter's type: it is the oracle the compiled SQL is compared with.
import type { AttrRef, CompareOp, Filter, FilterValue } from '../../src/store/query.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** RFC 7643 §2.1: attribute names and schema URNs are case-insensitive. */
function lookup(object: Json | undefined, key: string): Json | undefined {
  if (!isObject(object)) return undefined
  const lower = key.toLowerCase()
  const found = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower)
  return found === undefined ? undefined : object[found]
}

/**
 * RFC 7644 §3.4.2.2 `pr`: "a non-empty value, or ... a non-empty node for complex attributes". RFC 7643 §2.5:
 * null, and an empty array, are unassigned; "" is an empty value; a node is empty when all it holds is.
 */
export function isPresent(value: Json | undefined): boolean {
  if (value === undefined || value === null) return false
  if (typeof value === 'string') return value !== ''
  if (Array.isArray(value)) return value.some(isPresent)
  if (typeof value === 'object') return Object.values(value).some(isPresent)
  return true
}

/** The attribute's top-level value: core attributes by name, extension attributes inside their schema's object. */
function topValue(resource: JsonObject, ref: AttrRef): Json | undefined {
  return ref.extension === undefined ? lookup(resource, ref.name) : lookup(lookup(resource, ref.extension), ref.name)
}

/** The values of a multi-valued attribute (one value, or none, for a single-valued one). */
function elementsOf(resource: JsonObject, ref: AttrRef): Json[] {
  const value = topValue(resource, ref)
  if (value === undefined || value === null) return []
  // RFC 7643 §2.5: an empty value (null, "", an empty node) is unassigned, in a list of values as alone.
  if (ref.multiValued) return (Array.isArray(value) ? value : [value]).filter(isPresent)
  return isPresent(value) ? [value] : []
}

/**
 * What an attribute path names: one slot per value (RFC 7644 §3.4.2.2: a multi-valued attribute matches when any of its
 * values does, and none when it has no values). A value without the sub-attribute is an unassigned slot.
 */
function slotsOf(resource: JsonObject, ref: AttrRef): (Json | undefined)[] {
  if (!ref.multiValued) {
    // A single-valued attribute is one value, assigned or not.
    const value = topValue(resource, ref)
    return [ref.sub === undefined ? value : lookup(value, ref.sub)]
  }
  const elements = elementsOf(resource, ref)
  return ref.sub === undefined ? elements : elements.map((element) => lookup(element, ref.sub ?? ''))
}

/** Text order is code point order ("lexicographical", RFC 7644 §3.4.2.2), not UTF-16 code unit order. */
function compareText(left: string, right: string): number {
  const a = Array.from(left, (char) => char.codePointAt(0) ?? 0)
  const b = Array.from(right, (char) => char.codePointAt(0) ?? 0)
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

function order(op: CompareOp, difference: number): boolean {
  switch (op) {
    case 'gt':
      return difference > 0
    case 'ge':
      return difference >= 0
    case 'lt':
      return difference < 0
    case 'le':
      return difference <= 0
    default:
      return difference === 0
  }
}

/** One value against the operator and the filter's value; `ne` is "not eq", so an unassigned value is not equal. */
function compareOne(actual: Json | undefined, op: CompareOp, expected: Exclude<FilterValue, null>, ref: AttrRef): boolean {
  if (op === 'ne') return !compareOne(actual, 'eq', expected, ref)
  if (actual === undefined || actual === null) return false
  if (typeof expected === 'boolean') return typeof actual === 'boolean' && actual === expected
  if (typeof expected === 'number') return typeof actual === 'number' && order(op, actual - expected)
  if (typeof actual !== 'string') return false
  if (ref.type === 'dateTime') {
    // "the attribute value ... is compared chronologically" (RFC 7644 §3.4.2.2).
    const left = Date.parse(actual)
    const right = Date.parse(expected)
    return !Number.isNaN(left) && !Number.isNaN(right) && order(op, left - right)
  }
  // caseExact false (RFC 7643 §2.2): every operator compares without case.
  const left = ref.caseExact ? actual : actual.toLowerCase()
  const right = ref.caseExact ? expected : expected.toLowerCase()
  switch (op) {
    case 'co':
      return left.includes(right)
    case 'sw':
      return left.startsWith(right)
    case 'ew':
      return left.endsWith(right)
    default:
      return order(op, compareText(left, right))
  }
}

function attrMatches(slots: (Json | undefined)[], filter: Filter): boolean {
  if (filter.kind === 'present') return slots.some(isPresent)
  if (filter.kind !== 'compare') throw new Error(`not an attribute expression: ${filter.kind}`)
  const value = filter.value
  // RFC 7643 §2.5: null is unassigned: `eq null` is "not present", `ne null` is "present".
  if (value === null) return filter.op === 'ne' ? slots.some(isPresent) : !slots.some(isPresent)
  return slots.some((slot) => compareOne(slot, filter.op, value, filter.attr))
}

/** Whether one value of a complex attribute satisfies a value filter, whose refs name its sub-attributes. */
function elementMatches(filter: Filter, element: Json): boolean {
  switch (filter.kind) {
    case 'and':
      return elementMatches(filter.left, element) && elementMatches(filter.right, element)
    case 'or':
      return elementMatches(filter.left, element) || elementMatches(filter.right, element)
    case 'not':
      return !elementMatches(filter.filter, element)
    case 'compare':
    case 'present':
      return attrMatches([lookup(element, filter.attr.sub ?? '')], filter)
    case 'valuePath':
      throw new Error('value filters do not nest')
    default: {
      const never: never = filter
      return never
    }
  }
}

/** Whether `resource` (as GET returns it) satisfies `filter`. */
export function evaluateFilter(filter: Filter, resource: JsonObject): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluateFilter(filter.left, resource) && evaluateFilter(filter.right, resource)
    case 'or':
      return evaluateFilter(filter.left, resource) || evaluateFilter(filter.right, resource)
    case 'not':
      return !evaluateFilter(filter.filter, resource)
    case 'valuePath':
      // "applied to the same value": some one value satisfies the whole bracketed filter. A single-valued complex
      // attribute has its one value, if it has a (non-empty) one.
      return elementsOf(resource, filter.attr).some((element) => elementMatches(filter.filter, element))
    case 'compare':
    case 'present':
      return attrMatches(slotsOf(resource, filter.attr), filter)
    default: {
      const never: never = filter
      return never
    }
  }
}
