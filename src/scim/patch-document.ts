// PATCH operations (RFC 7644 §3.5.2) on one stored document: users, and groups without their members.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { coreNamedEntries, splitUrn } from './attr-path.js'
import { parsePatchPath, type PatchPath } from './filter/parser.js'
import { primaryValues, settlePrimary } from './patch-primary.js'
import type { PatchOpName } from './patch-request.js'
import { applyFiltered } from './patch-value-path.js'
import { assign, assignSub, sameEntry, sameJson } from './patch-values.js'
import { coerceValue, isObject } from './resource.js'
import { findAttr, findExtension, type AttrDef, type ResourceType } from './schemas.js'

/**
 * Where an attribute was named: by an operation's `path`, or as a member of its `value` (a path-less value, or a
 * whole extension object). RFC 7644 §3.5.2 refuses an operation that targets a readOnly attribute (`mutability`);
 * a readOnly member of a value is ignored, as PUT ignores it (§3.5.1: "Any values provided SHALL be ignored"),
 * so that a value copied from a resource as read (`meta`, the enterprise `manager.displayName`) is accepted.
 */
type NamedBy = 'path' | 'value'

/**
 * Members a client copies along with an extension object from a resource body (RFC 7643 §3: `schemas`, and the
 * resource's `id` and `meta`), which are no attributes of the extension: ignored rather than refused as unknown.
 */
const resourceMembers = new Set(['schemas', 'id', 'meta'])

/** Applies operations to one document, in place; a bad operation throws ScimError (the caller holds a copy). */
export class DocumentPatcher {
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
      if (lower === 'id') {
        // Another resource's id: this body was meant for another resource. Refused, as PUT refuses it (resource.ts).
        if (item === this.id) continue
        throw new ScimError(400, 'mutability', `${key} is read-only and cannot be changed`)
      }
      if (lower.startsWith('urn:')) {
        const { urn, isCore, rest } = splitUrn(this.type, key)
        if (!isCore && urn !== undefined && (rest === '' || (findExtension(this.type, urn) === undefined && isObject(item)))) {
          this.applyExtension(op, rest === '' ? urn : key, item)
          continue
        }
      }
      // Entra sends dotted keys ("name.givenName") in path-less replaces: each key is a path.
      this.applyPath(op, key, item, 'value')
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
    const extension = findExtension(this.type, key)
    if (extension === undefined) {
      // An extension this server does not define: kept as sent (add merges, replace replaces it whole).
      const existing = this.doc[key]
      this.doc[key] = op === 'add' && isObject(existing) ? { ...existing, ...value } : value
      return
    }
    for (const [sub, subValue] of Object.entries(value)) {
      if (resourceMembers.has(sub.toLowerCase()) && findAttr(extension.attributes, sub) === undefined) continue
      this.applyPath(op, `${key}:${sub}`, subValue, 'value')
    }
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

  applyPath(op: PatchOpName, text: string, value: JsonValue | undefined, namedBy: NamedBy = 'path'): void {
    const extension = this.wholeExtension(text)
    if (extension !== undefined) return this.applyExtension(op, extension, value)
    const path = parsePatchPath(this.type, text)
    const def = path.attr.def
    if (def?.type !== 'complex' || !def.multiValued) return this.applyAttr(op, text, path, value, namedBy)
    const before = primaryValues(this.container(path, false)?.[path.attr.ref.name])
    this.applyAttr(op, text, path, value, namedBy)
    settlePrimary(this.container(path, false)?.[path.attr.ref.name], before, path.attr.ref.name, text)
  }

  private applyAttr(op: PatchOpName, text: string, path: PatchPath, value: JsonValue | undefined, namedBy: NamedBy): void {
    const def = path.attr.def
    const leaf = path.subAfterFilter?.subDef ?? path.attr.subDef ?? def
    if (def?.mutability === 'readOnly' || leaf?.mutability === 'readOnly') {
      if (namedBy === 'value') return
      throw new ScimError(400, 'mutability', `${text} is read-only`)
    }
    // rolecall never stores passwords.
    if (def?.mutability === 'writeOnly') return
    if (path.filter !== undefined) {
      const container = this.container(path, op !== 'remove')
      if (container === undefined || def === undefined) return
      return applyFiltered(container, def, op, path, path.filter, value)
    }
    const container = this.container(path, op !== 'remove')
    if (container === undefined) return
    const name = path.attr.ref.name
    const sub = path.attr.ref.sub
    if (def === undefined) {
      // An attribute of an unknown extension: kept as sent.
      if (sub === undefined) assign(container, name, op === 'remove' ? undefined : value ?? null)
      else assignSub(container, name, sub, op === 'remove' ? undefined : value ?? null)
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
        for (const item of items) if (isObject(item)) assign(item, sub, coerced)
        return
      }
      assignSub(container, name, sub, coerced)
      return
    }
    if (op === 'remove') {
      if (def.multiValued && value !== undefined && value !== null) return this.removeValues(container, def, value)
      delete container[name]
      return
    }
    const coerced = coerceValue(def, value ?? null, text)
    if (def.multiValued && op === 'add') {
      // `add` of null adds no value (RFC 7643 §2.5: null is unassigned).
      if (!Array.isArray(coerced)) return
      const existing = Array.isArray(container[name]) ? (container[name] as JsonValue[]) : []
      // A value already there is not added again (RFC 7644 §3.5.2.1): its sub-attributes given here (`primary`)
      // change in place. A new primary value demotes the others (settlePrimary).
      const additions: JsonValue[] = []
      for (const item of coerced) {
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
    assign(container, name, coerced)
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
    assign(container, def.name, keep.length === 0 ? undefined : keep)
  }
}
