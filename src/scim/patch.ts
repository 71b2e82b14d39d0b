// PATCH (RFC 7644 §3.5.2) on stored documents, with the IdP quirks normalised here and only here.
import { ScimError } from '../errors.js'
import type { Filter } from '../store/query.js'
import type { GroupChange, JsonObject, JsonValue, MemberOp, MemberRef } from '../store/store.js'
import { coreNamedEntries, splitUrn } from './attr-path.js'
import { equalityFields, matchesElement } from './filter/match.js'
import { parsePatchPath, type PatchPath } from './filter/parser.js'
import { ownValue, refuseProtoKeys, setOwn } from './own-keys.js'
import { checkRequired, coerceValue, isObject, memberIds, withSchemas } from './resource.js'
import { findExtension, patchOpSchema, type AttrDef, type ResourceType } from './schemas.js'
import { refuseUnsafeStrings } from './text.js'
import { checkDocumentValues, withContext } from './values.js'

export type PatchOpName = 'add' | 'remove' | 'replace'
export type PatchOperation = { op: PatchOpName; path?: string; value?: JsonValue }

/** Bound on operations per request. */
export const maxPatchOperations = 1000

/**
 * Validates a PatchOp body. Entra capitalises op names ("Replace"): ops are case-insensitive. A key named
 * `__proto__` anywhere in it, values included, is refused (see refuseProtoKeys).
 */
export function parsePatchBody(body: JsonObject): PatchOperation[] {
  refuseProtoKeys(body)
  const schemas = body['schemas']
  if (Array.isArray(schemas) && !schemas.some((schema) => typeof schema === 'string' && schema.toLowerCase() === patchOpSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `a PATCH body must use the ${patchOpSchema} schema`)
  }
  const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === 'operations')
  const operations = key === undefined ? undefined : body[key]
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'a PATCH body needs a non-empty "Operations" array')
  if (operations.length > maxPatchOperations) throw new ScimError(400, 'tooMany', `at most ${maxPatchOperations} operations per PATCH`)
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw new ScimError(400, 'invalidSyntax', 'each operation must be an object')
    const fields = Object.fromEntries(Object.entries(operation).map(([name, value]) => [name.toLowerCase(), value]))
    const op = typeof fields['op'] === 'string' ? fields['op'].toLowerCase() : undefined
    if (op !== 'add' && op !== 'remove' && op !== 'replace') throw new ScimError(400, 'invalidSyntax', `unknown PATCH op "${String(fields['op'])}"`)
    const path = fields['path']
    if (path !== undefined && path !== null && typeof path !== 'string') throw new ScimError(400, 'invalidPath', 'path must be a string')
    const result: PatchOperation = { op }
    if (typeof path === 'string' && path.trim() !== '') result.path = path
    if (fields['value'] !== undefined) result.value = fields['value']
    if (op !== 'remove' && result.value === undefined) throw new ScimError(400, 'invalidValue', `"${op}" needs a value`)
    try {
      // Named as the attribute it writes: the path, then the value's own names (a path-less value's are attributes).
      refuseUnsafeStrings(result.value, result.path ?? '')
    } catch (error) {
      throw withContext(error, `in Operations[${index}]`)
    }
    return result
  })
}

/** A deep copy of a JSON value (several times faster than structuredClone on small documents). */
function cloneValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneValue)
  if (value === null || typeof value !== 'object') return value
  return clone(value)
}

function clone(doc: JsonObject): JsonObject {
  const copy: JsonObject = {}
  // Documents stored before bodies naming `__proto__` were refused may hold it, inside attributes kept as sent.
  for (const key of Object.keys(doc)) setOwn(copy, key, cloneValue(doc[key] as JsonValue))
  return copy
}

function sameJson(left: JsonValue, right: JsonValue): boolean {
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
function sameEntry(current: JsonValue, item: JsonValue): boolean {
  if (!isObject(current) || !isObject(item) || item['value'] === undefined) return sameJson(current, item)
  if (!sameScalar(current['value'], item['value'])) return false
  return current['type'] === undefined || item['type'] === undefined || sameScalar(current['type'], item['type'])
}

/** Applies operations to one document (users, and groups without their members). */
class DocumentPatcher {
  constructor(
    private readonly type: ResourceType,
    readonly doc: JsonObject,
    private readonly id: string,
  ) {}

  private container(path: PatchPath, create: boolean): JsonObject | undefined {
    const extension = path.attr.ref.extension
    if (extension === undefined) return this.doc
    const existing = this.doc[extension]
    if (isObject(existing)) return existing
    if (!create) return undefined
    const created: JsonObject = {}
    this.doc[extension] = created
    return created
  }

  applyWithoutPath(op: PatchOpName, value: JsonValue | undefined): void {
    // RFC 7644 §3.5.2.2: remove needs a path.
    if (op === 'remove') throw new ScimError(400, 'noTarget', 'remove needs a path')
    if (!isObject(value)) throw new ScimError(400, 'invalidValue', `"${op}" without a path needs an object value`)
    for (const [key, item] of coreNamedEntries(this.type, value)) {
      const lower = key.toLowerCase()
      if (lower === 'schemas') continue
      if (lower === 'id' || lower === 'meta') {
        if (lower === 'id' && item === this.id) continue
        throw new ScimError(400, 'mutability', `${key} is read-only`)
      }
      if (lower.startsWith('urn:')) {
        const { urn, isCore, rest } = splitUrn(this.type, key)
        if (!isCore && urn !== undefined && (rest === '' || (findExtension(this.type, urn) === undefined && isObject(item)))) {
          this.applyExtension(op, rest === '' ? urn : key, item)
          continue
        }
      }
      // Entra sends dotted keys ("name.givenName") in path-less replaces: each key is a path.
      this.applyPath(op, key, item)
    }
  }

  /**
   * A whole extension object, named by its schema URN as a path or as a path-less key. RFC 7644 §3.5.2.1 and
   * §3.5.2.3: a complex value's given sub-attributes are added or replace those present, and the others stay;
   * remove takes the extension away, and with it its URN from `schemas` (withSchemas lists the extensions present).
   */
  private applyExtension(op: PatchOpName, key: string, value: JsonValue | undefined): void {
    if (op === 'remove') {
      delete this.doc[key]
      return
    }
    if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${key} must be an object of its attributes`)
    if (findExtension(this.type, key) === undefined) {
      // An extension this server does not define: kept as sent (add merges, replace replaces it whole).
      const existing = this.doc[key]
      this.doc[key] = op === 'add' && isObject(existing) ? { ...existing, ...value } : value
      return
    }
    for (const [sub, subValue] of Object.entries(value)) this.applyPath(op, `${key}:${sub}`, subValue)
    const after = this.doc[key]
    if (isObject(after) && Object.keys(after).length === 0) delete this.doc[key]
  }

  /** The document key of the extension `text` names whole: a defined extension, or an unknown one stored whole. */
  private wholeExtension(text: string): string | undefined {
    const lower = text.trim().toLowerCase()
    if (!lower.startsWith('urn:')) return undefined
    const known = findExtension(this.type, lower)
    if (known !== undefined) return known.id
    return Object.keys(this.doc).find((key) => key.toLowerCase() === lower && isObject(this.doc[key]))
  }

  applyPath(op: PatchOpName, text: string, value: JsonValue | undefined): void {
    const extension = this.wholeExtension(text)
    if (extension !== undefined) return this.applyExtension(op, extension, value)
    const path = parsePatchPath(this.type, text)
    const def = path.attr.def
    if (def?.type !== 'complex' || !def.multiValued) return this.applyAttr(op, text, path, value)
    const before = this.primaryValues(path)
    this.applyAttr(op, text, path, value)
    this.settlePrimary(path, before, text)
  }

  /** The values of a multi-valued attribute that are primary now (by identity: operations edit them in place). */
  private primaryValues(path: PatchPath): Set<JsonObject> {
    const items = this.container(path, false)?.[path.attr.ref.name]
    return new Set(Array.isArray(items) ? items.filter((item): item is JsonObject => isObject(item) && item['primary'] === true) : [])
  }

  /**
   * RFC 7644 §3.5.2: an operation that sets a value's primary to true SHALL set it false on the attribute's other
   * values. One that makes two values primary at once is refused (RFC 7643 §2.4: at most one).
   */
  private settlePrimary(path: PatchPath, before: Set<JsonObject>, text: string): void {
    const items = this.container(path, false)?.[path.attr.ref.name]
    if (!Array.isArray(items)) return
    const primaries = items.filter((item): item is JsonObject => isObject(item) && item['primary'] === true)
    const promoted = primaries.filter((item) => !before.has(item))
    if (promoted.length > 1) {
      throw new ScimError(400, 'invalidValue', `"${text}" would make ${promoted.length} values of ${path.attr.ref.name} primary; at most one value may be primary`)
    }
    const [chosen] = promoted
    if (chosen === undefined) return
    for (const item of primaries) if (item !== chosen) item['primary'] = false
  }

  private applyAttr(op: PatchOpName, text: string, path: PatchPath, value: JsonValue | undefined): void {
    const def = path.attr.def
    const leaf = path.subAfterFilter?.subDef ?? path.attr.subDef ?? def
    if (def?.mutability === 'readOnly' || leaf?.mutability === 'readOnly') throw new ScimError(400, 'mutability', `${text} is read-only`)
    // rolecall never stores passwords.
    if (def?.mutability === 'writeOnly') return
    if (path.filter !== undefined) return this.applyFiltered(op, path, path.filter, value)
    const container = this.container(path, op !== 'remove')
    if (container === undefined) return
    const name = path.attr.ref.name
    const sub = path.attr.ref.sub
    if (def === undefined) {
      // An attribute of an unknown extension: kept as sent.
      if (sub === undefined) this.assign(container, name, op === 'remove' ? undefined : value ?? null)
      else this.assignSub(container, name, sub, op === 'remove' ? undefined : value ?? null)
      return
    }
    if (sub !== undefined) {
      const subDef = path.attr.subDef
      const coerced = op === 'remove' || subDef === undefined ? undefined : coerceValue(subDef, value ?? null, text)
      if (def.multiValued) {
        const items = container[name]
        if (!Array.isArray(items)) return
        if (sub === 'primary' && coerced === true && items.length > 1) {
          throw new ScimError(400, 'invalidValue', `"${text}" would make every value of ${name} primary; name one with a filter, e.g. ${name}[value eq "…"].primary`)
        }
        for (const item of items) if (isObject(item)) this.assign(item, sub, coerced)
        return
      }
      this.assignSub(container, name, sub, coerced)
      return
    }
    if (op === 'remove') {
      if (def.multiValued && value !== undefined && value !== null) return this.removeValues(container, def, value)
      delete container[name]
      return
    }
    const coerced = coerceValue(def, value ?? null, text)
    if (def.multiValued && op === 'add') {
      const existing = Array.isArray(container[name]) ? (container[name] as JsonValue[]) : []
      // A value already there is not added again (RFC 7644 §3.5.2.1): its sub-attributes given here (`primary`)
      // change in place. A new primary value demotes the others (settlePrimary).
      const additions: JsonValue[] = []
      for (const item of coerced as JsonValue[]) {
        const present = existing.find((current) => sameEntry(current, item))
        if (present === undefined) additions.push(item)
        else if (isObject(present) && isObject(item)) Object.assign(present, item)
      }
      container[name] = [...existing, ...additions]
      return
    }
    if (def.type === 'complex' && !def.multiValued && isObject(coerced)) {
      const existing = container[name]
      container[name] = isObject(existing) ? { ...existing, ...coerced } : coerced
      return
    }
    this.assign(container, name, coerced)
  }

  private assign(target: JsonObject, key: string, value: JsonValue | undefined): void {
    if (value === undefined || value === null) delete target[key]
    else target[key] = value
  }

  private assignSub(container: JsonObject, name: string, sub: string, value: JsonValue | undefined): void {
    // `name` may be any name an unknown extension's path gives (`constructor`): never an inherited member.
    const existing = ownValue(container, name)
    const parent = isObject(existing) ? existing : {}
    this.assign(parent, sub, value)
    if (Object.keys(parent).length === 0) delete container[name]
    else container[name] = parent
  }

  /** Remove with a value instead of a filter: drop the elements whose `value` (or whole JSON) matches. */
  private removeValues(container: JsonObject, def: AttrDef, value: JsonValue): void {
    const targets = Array.isArray(value) ? value : [value]
    const items = container[def.name]
    if (!Array.isArray(items)) return
    const keep = items.filter(
      (item) =>
        !targets.some((target) =>
          isObject(target) && isObject(item) && target['value'] !== undefined ? sameJson(target['value'], item['value'] ?? null) : sameJson(target, item),
        ),
    )
    this.assign(container, def.name, keep.length === 0 ? undefined : keep)
  }

  /** Whether writing `value` to `sub` (or, with no sub, as a whole element) makes a value primary. */
  private setsPrimary(sub: string | undefined, value: JsonValue | undefined): boolean {
    const isTrue = (candidate: JsonValue | undefined) => candidate === true || (typeof candidate === 'string' && candidate.toLowerCase() === 'true')
    if (sub !== undefined) return sub === 'primary' && isTrue(value)
    if (!isObject(value)) return false
    const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === 'primary')
    return key !== undefined && isTrue(value[key])
  }

  private applyFiltered(op: PatchOpName, path: PatchPath, filter: Filter, value: JsonValue | undefined): void {
    const def = path.attr.def
    const container = this.container(path, op !== 'remove')
    if (container === undefined || def === undefined) return
    const items = Array.isArray(container[def.name]) ? (container[def.name] as JsonValue[]) : []
    const matched = items.filter((item) => matchesElement(filter, item))
    const sub = path.subAfterFilter
    if (op === 'remove') {
      if (sub?.subDef !== undefined) {
        for (const item of matched) if (isObject(item)) delete item[sub.subDef.name]
        return
      }
      const keep = items.filter((item) => !matched.includes(item))
      this.assign(container, def.name, keep.length === 0 ? undefined : keep)
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
    if (matched.length > 1 && this.setsPrimary(sub?.subDef?.name, value)) {
      throw new ScimError(400, 'invalidValue', `the filter matches ${matched.length} values of ${def.name}, and at most one value may be primary`)
    }
    for (const item of matched) {
      if (!isObject(item)) continue
      if (sub?.subDef !== undefined) {
        this.assign(item, sub.subDef.name, coerceValue(sub.subDef, value ?? null, `${def.name}.${sub.subDef.name}`))
      } else {
        const coerced = coerceValue({ ...def, multiValued: false }, value ?? null, def.name)
        if (!isObject(coerced)) throw new ScimError(400, 'invalidValue', `${def.name} values are objects`)
        if (op === 'replace') for (const key of Object.keys(item)) delete item[key]
        Object.assign(item, coerced)
      }
    }
  }
}

/** The user document after `operations`; throws ScimError and changes nothing on a bad operation. */
export function patchUser(type: ResourceType, id: string, current: JsonObject, operations: PatchOperation[]): JsonObject {
  const patcher = new DocumentPatcher(type, clone(current), id)
  for (const operation of operations) {
    if (operation.path === undefined) patcher.applyWithoutPath(operation.op, operation.value)
    else patcher.applyPath(operation.op, operation.path, operation.value)
  }
  checkRequired(type, patcher.doc, current)
  checkDocumentValues(type, patcher.doc, current)
  return withSchemas(type, patcher.doc)
}

/** Member ids a filter names directly (`value eq "…"` joined by `or`), or undefined if it needs member data. */
function idsNamedBy(filter: Filter): string[] | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.attr.sub === 'value' && typeof filter.value === 'string') return [filter.value]
  if (filter.kind === 'or') {
    const left = idsNamedBy(filter.left)
    const right = idsNamedBy(filter.right)
    return left === undefined || right === undefined ? undefined : [...left, ...right]
  }
  return undefined
}

function memberOps(op: PatchOpName, path: PatchPath | undefined, value: JsonValue | undefined, loadMembers: () => MemberRef[]): MemberOp[] {
  // A membership is a whole: its sub-attributes are immutable (value, type, $ref) or readOnly (display). RFC 7644
  // §3.5.2: an operation not compatible with an attribute's mutability is refused, and §3.12 names that
  // `mutability`. (`invalidPath` is for a path that is "invalid or malformed"; `members[value eq "…"].display`
  // is neither.) Without this, `remove members[…].display` would remove the member.
  const sub = path?.subAfterFilter?.subDef ?? path?.attr.subDef
  if (sub !== undefined) {
    throw new ScimError(400, 'mutability', `members.${sub.name} is ${sub.mutability}: a member is added or removed whole (e.g. remove members[value eq "…"])`)
  }
  if (path?.filter !== undefined) {
    if (op !== 'remove') throw new ScimError(400, 'mutability', `members are immutable: add or remove a member rather than ${op} it in place`)
    const named = idsNamedBy(path.filter)
    if (named !== undefined) return [{ op: 'remove', ids: named }]
    const filter = path.filter
    const ids = loadMembers()
      .filter((member) => matchesElement(filter, { value: member.value, display: member.display ?? null, type: 'User' }))
      .map((member) => member.value)
    return [{ op: 'remove', ids }]
  }
  switch (op) {
    case 'add':
      return [{ op: 'add', ids: memberIds(value) }]
    case 'replace':
      return [{ op: 'clear' }, { op: 'add', ids: memberIds(value) }]
    case 'remove':
      // Entra removes a member by naming it in `value` rather than in a path filter.
      return value === undefined || value === null ? [{ op: 'clear' }] : [{ op: 'remove', ids: memberIds(value) }]
    default: {
      const never: never = op
      return never
    }
  }
}

function isMembersPath(type: ResourceType, text: string): PatchPath | undefined {
  if (findExtension(type, text.trim()) !== undefined) return undefined
  const path = parsePatchPath(type, text)
  return path.attr.ref.extension === undefined && path.attr.ref.name === 'members' ? path : undefined
}

/** The group's new attributes and membership changes; members are never loaded unless a filter needs their data. */
export function patchGroup(
  type: ResourceType,
  id: string,
  current: JsonObject,
  operations: PatchOperation[],
  loadMembers: () => MemberRef[],
): GroupChange {
  const patcher = new DocumentPatcher(type, clone(current), id)
  const ops: MemberOp[] = []
  for (const operation of operations) {
    if (operation.path !== undefined) {
      const membersPath = isMembersPath(type, operation.path)
      if (membersPath !== undefined) ops.push(...memberOps(operation.op, membersPath, operation.value, loadMembers))
      else patcher.applyPath(operation.op, operation.path, operation.value)
      continue
    }
    if (!isObject(operation.value)) {
      patcher.applyWithoutPath(operation.op, operation.value)
      continue
    }
    const rest: JsonObject = {}
    // RFC 7644 §3.10: `urn:…:core:2.0:Group:members` names `members`, whose values live in the membership table.
    for (const [key, value] of coreNamedEntries(type, operation.value)) {
      if (key.toLowerCase() === 'members') ops.push(...memberOps(operation.op, undefined, value, loadMembers))
      else rest[key] = value
    }
    if (Object.keys(rest).length > 0) patcher.applyWithoutPath(operation.op, rest)
  }
  checkRequired(type, patcher.doc, current)
  checkDocumentValues(type, patcher.doc, current)
  return { doc: withSchemas(type, patcher.doc), memberOps: ops }
}
