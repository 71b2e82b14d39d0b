// PATCH operations on the elements a value path selects (`emails[type eq "work"]`, `…].value`; RFC 7644 §3.5.2).
import { ScimError } from '../errors.js'
import type { Filter } from '../store/query.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { equalityFields, matchesElement } from './filter/match.js'
import type { PatchPath } from './filter/parser.js'
import type { PatchOpName } from './patch-request.js'
import { setsPrimary } from './patch-primary.js'
import { assign } from './patch-values.js'
import { coerceValue, isObject } from './resource.js'
import type { AttrDef } from './schemas.js'

/** Applies `op` to the elements of `container[def.name]` that `filter` matches (or to `path.subAfterFilter` of each). */
export function applyFiltered(container: JsonObject, def: AttrDef, op: PatchOpName, path: PatchPath, filter: Filter, value: JsonValue | undefined): void {
  const items = Array.isArray(container[def.name]) ? (container[def.name] as JsonValue[]) : []
  const matched = items.filter((item) => matchesElement(filter, item))
  const sub = path.subAfterFilter
  if (op === 'remove') {
    if (sub?.subDef !== undefined) {
      for (const item of matched) if (isObject(item)) delete item[sub.subDef.name]
      return
    }
    const keep = items.filter((item) => !matched.includes(item))
    assign(container, def.name, keep.length === 0 ? undefined : keep)
    return
  }
  if (matched.length === 0) {
    // Entra adds `emails[type eq "work"].value` to users with no work email: create the element the filter names.
    const fields = equalityFields(filter)
    if (fields === undefined) throw new ScimError(400, 'noTarget', `no value of ${def.name} matches the filter`)
    const element = sub?.subDef !== undefined ? { ...fields, [sub.subDef.name]: value ?? null } : { ...fields, ...(isObject(value) ? value : {}) }
    const coerced = coerceValue(def, element, def.name) as JsonValue[]
    container[def.name] = [...items, ...coerced]
    return
  }
  if (matched.length > 1 && setsPrimary(sub?.subDef?.name, value)) {
    throw new ScimError(400, 'invalidValue', `the filter matches ${matched.length} values of ${def.name}, and at most one value may be primary`)
  }
  for (const item of matched) {
    if (!isObject(item)) continue
    if (sub?.subDef !== undefined) {
      assign(item, sub.subDef.name, coerceValue(sub.subDef, value ?? null, `${def.name}.${sub.subDef.name}`))
    } else {
      const coerced = coerceValue({ ...def, multiValued: false }, value ?? null, def.name)
      if (!isObject(coerced)) throw new ScimError(400, 'invalidValue', `${def.name} values are objects`)
      if (op === 'replace') for (const key of Object.keys(item)) delete item[key]
      Object.assign(item, coerced)
    }
  }
}
