// At most one primary value per multi-valued attribute (RFC 7643 §2.4), as PATCH keeps it (RFC 7644 §3.5.2).
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { isObject } from './resource.js'

/** The values of a multi-valued attribute that are primary now (by identity: operations edit them in place). */
export function primaryValues(items: JsonValue | undefined): Set<JsonObject> {
  return new Set(Array.isArray(items) ? items.filter((item): item is JsonObject => isObject(item) && item['primary'] === true) : [])
}

/**
 * RFC 7644 §3.5.2: an operation that sets a value's primary to true SHALL set it false on the attribute's other
 * values. One that makes two values primary at once is refused (RFC 7643 §2.4: at most one).
 */
export function settlePrimary(items: JsonValue | undefined, before: Set<JsonObject>, name: string, text: string): void {
  if (!Array.isArray(items)) return
  const primaries = items.filter((item): item is JsonObject => isObject(item) && item['primary'] === true)
  const promoted = primaries.filter((item) => !before.has(item))
  if (promoted.length > 1) {
    throw new ScimError(400, 'invalidValue', `"${text}" would make ${promoted.length} values of ${name} primary; at most one value may be primary`)
  }
  const [chosen] = promoted
  if (chosen === undefined) return
  for (const item of primaries) if (item !== chosen) item['primary'] = false
}

/** Whether writing `value` to `sub` (or, with no sub, as a whole element) makes a value primary. */
export function setsPrimary(sub: string | undefined, value: JsonValue | undefined): boolean {
  const isTrue = (candidate: JsonValue | undefined) => candidate === true || (typeof candidate === 'string' && candidate.toLowerCase() === 'true')
  if (sub !== undefined) return sub === 'primary' && isTrue(value)
  if (!isObject(value)) return false
  const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === 'primary')
  return key !== undefined && isTrue(value[key])
}
