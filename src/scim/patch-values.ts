// JSON values as PATCH copies, compares and writes them: deep copies, the same entry of a multi-valued attribute, assignment.
import type { JsonObject, JsonValue } from '../store/store.js'
import { ownValue, setOwn } from './own-keys.js'
import { isObject } from './resource.js'

/** A deep copy of a JSON value (several times faster than structuredClone on small documents). */
function cloneValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneValue)
  if (value === null || typeof value !== 'object') return value
  return clone(value)
}

/** A deep copy of a document, which the operations then edit in place. */
export function clone(doc: JsonObject): JsonObject {
  const copy: JsonObject = {}
  // Documents stored before bodies naming `__proto__` were refused may hold it, inside attributes kept as sent.
  for (const key of Object.keys(doc)) setOwn(copy, key, cloneValue(doc[key] as JsonValue))
  return copy
}

export function sameJson(left: JsonValue, right: JsonValue): boolean {
  return JSON.stringify(left) === JSON.stringify(right)
}

/** Strings compare without case (the multi-valued attributes' `value` and `type` are not caseExact), the rest as JSON. */
function sameScalar(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  return typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : sameJson(left ?? null, right ?? null)
}

/**
 * The same entry of a multi-valued attribute: the same `value` (and the same `type` when both say one), whatever
 * else they say or in which order; entries without a `value` compare whole.
 */
export function sameEntry(current: JsonValue, item: JsonValue): boolean {
  if (!isObject(current) || !isObject(item) || item['value'] === undefined) return sameJson(current, item)
  if (!sameScalar(current['value'], item['value'])) return false
  return current['type'] === undefined || item['type'] === undefined || sameScalar(current['type'], item['type'])
}

/** `target[key] = value`; undefined or null unassigns it. */
export function assign(target: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value === undefined || value === null) delete target[key]
  else target[key] = value
}

/** `container[name][sub] = value`, creating `container[name]`, and dropping it once it holds nothing. */
export function assignSub(container: JsonObject, name: string, sub: string, value: JsonValue | undefined): void {
  // `name` may be any name an unknown extension's path gives (`constructor`): never an inherited member.
  const existing = ownValue(container, name)
  const parent = isObject(existing) ? existing : {}
  assign(parent, sub, value)
  if (Object.keys(parent).length === 0) delete container[name]
  else container[name] = parent
}
