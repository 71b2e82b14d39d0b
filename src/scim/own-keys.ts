// Client-chosen names as keys of plain objects: `__proto__` is refused at the door, and reads see own properties only.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'

/** Where the first `__proto__` key in `value` is (`name.__proto__`, `Operations[0].value.__proto__`), if any. */
function protoKeyAt(value: JsonValue): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const inner = protoKeyAt(item)
      if (inner !== undefined) return `[${index}]${inner.startsWith('[') ? '' : '.'}${inner}`
    }
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  // JSON.parse makes it an own property; assigning it anywhere else would set the object's prototype instead.
  if (Object.hasOwn(value, '__proto__')) return '__proto__'
  for (const key of Object.keys(value)) {
    const inner = protoKeyAt(value[key] as JsonValue)
    if (inner !== undefined) return `${key}${inner.startsWith('[') ? '' : '.'}${inner}`
  }
  return undefined
}

/**
 * Refuses a body with a key named `__proto__` at any depth, before anything is written. No SCIM attribute can bear
 * the name (RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar)), and rolecall cannot keep it as sent, as it keeps other
 * unknown names: a plain assignment sets the prototype, losing the data or giving the object inherited attributes.
 * RFC 7644 §3.12 `invalidSyntax` ("did not conform to the request schema") rather than `invalidValue`: what is
 * wrong is a member's name, whatever its value. A PATCH *path* that names it is `invalidPath`, from attr-path.ts.
 * Every document written from a request body has passed here, so the code that builds documents assigns plainly.
 */
export function refuseProtoKeys(body: JsonObject): void {
  const at = protoKeyAt(body)
  if (at === undefined) return
  throw new ScimError(400, 'invalidSyntax', `"${at}": "__proto__" is not an attribute name (RFC 7643 §2.1: a name starts with a letter)`)
}

/** `object[key]` when `key` is its own property: never an Object.prototype member such as `constructor`. */
export function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined
}

/** `object[key] = value` as data, even for a key named `__proto__` (kept in documents stored before it was refused). */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  else object[key] = value
}
