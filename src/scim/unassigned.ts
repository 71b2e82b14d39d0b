// Unassigned values (RFC 7643 §2.5): null, an empty multi-valued attribute, an empty complex value, held as nothing at all.
import type { JsonObject, JsonValue } from '../store/store.js'
import { setOwn } from './own-keys.js'
import { coreAttributes, findAttr, findExtension, type AttrDef, type ResourceType } from './schemas.js'

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One value of `def` without its null sub-attributes; undefined when nothing is left. The same value when unchanged. */
function pruneSingle(def: AttrDef, value: JsonValue): JsonValue | undefined {
  if (value === null) return undefined
  if (def.type !== 'complex' || !isObject(value)) return value
  const kept: JsonObject = {}
  let isChanged = false
  for (const key of Object.keys(value)) {
    const sub = value[key] as JsonValue
    if (sub === null) isChanged = true
    // Stored keys: an attribute kept as sent before `__proto__` was refused may hold one.
    else setOwn(kept, key, sub)
  }
  if (Object.keys(kept).length === 0) return undefined
  return isChanged ? kept : value
}

/**
 * The value of `def` as it is once its unassigned parts are gone: undefined for null, for `[]` and an array of
 * empty elements (multi-valued), and for `{}` (complex). The same value when it holds nothing unassigned.
 */
function prune(def: AttrDef, value: JsonValue | undefined): JsonValue | undefined {
  if (value === undefined || value === null) return undefined
  if (!def.multiValued || !Array.isArray(value)) return pruneSingle(def, value)
  const items = value.map((item) => pruneSingle(def, item)).filter((item): item is JsonValue => item !== undefined)
  if (items.length === 0) return undefined
  return items.length === value.length && items.every((item, i) => item === value[i]) ? value : items
}

/**
 * `object` without the unassigned values of the attributes in `attributes`; with `type` (a whole document), its
 * extension objects are pruned inside, and dropped once empty. Attributes no schema here defines are kept as sent
 * (RFC 7643 §3.3), but for an empty object under an extension URN. `object` itself when it holds nothing unassigned.
 */
function pruneAll(attributes: readonly AttrDef[], object: JsonObject, type?: ResourceType): JsonObject {
  let result: JsonObject | undefined
  const keys = Object.keys(object)
  for (const [index, key] of keys.entries()) {
    const value = object[key] as JsonValue
    const def = key === 'schemas' ? undefined : findAttr(attributes, key)
    const extension = def === undefined && type !== undefined && key.toLowerCase().startsWith('urn:') ? findExtension(type, key) : undefined
    let pruned: JsonValue | undefined = value
    if (def !== undefined) {
      pruned = prune(def, value)
    } else if (extension !== undefined && isObject(value)) {
      const inner = pruneAll(extension.attributes, value)
      pruned = Object.keys(inner).length === 0 ? undefined : inner
    } else if (type !== undefined && key.toLowerCase().startsWith('urn:') && isObject(value) && Object.keys(value).length === 0) {
      // An extension rolecall does not define is kept as sent, but one with nothing in it is none.
      pruned = undefined
    }
    if (pruned === value && result === undefined) continue
    if (result === undefined) {
      result = {}
      for (const earlier of keys.slice(0, index)) setOwn(result, earlier, object[earlier] as JsonValue)
    }
    if (pruned !== undefined) setOwn(result, key, pruned)
  }
  return result ?? object
}

/**
 * `doc` without the unassigned values of the attributes `type` defines, its extensions' included, and without an
 * extension object left empty: RFC 7643 §2.5, "Unassigned attributes, the null value, or empty array (in the case
 * of a multi-valued attribute) SHALL be considered to be equivalent in 'state'". Stored and returned so, a
 * resource reads the same whichever of them a client wrote, and agrees with `pr` filters. `doc` itself when it
 * holds none (the common case, which then costs no copy).
 */
export function withoutUnassigned(type: ResourceType, doc: JsonObject): JsonObject {
  return pruneAll(coreAttributes(type), doc, type)
}
