// Applied documents vs desired documents: create / update / delete, field by field.
import type { FieldChange } from '../schema/generated/plan.js'
import { canonicalJson } from '../util/digest.js'
import type { StateDocument } from '../model/documents.js'
import { kinds } from '../load/document.js'
import { compareStrings } from '../util/compare.js'

export type ChangeAction = 'create' | 'update' | 'delete'

export type DocumentChange = {
  action: ChangeAction
  kind: string
  name: string
  file?: string
  fields: FieldChange[]
  before?: StateDocument['doc']
  after?: StateDocument['doc']
}

type Json = FieldChange['before']

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function pathJoin(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`
}

/** Field-level differences. Objects recurse by key; lists of objects by index; other lists change whole. */
export function diffFields(before: unknown, after: unknown, path = '', out: FieldChange[] = []): FieldChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return out
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareStrings)
    for (const key of keys) diffFields(before[key], after[key], pathJoin(path, key), out)
    return out
  }
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].every(isObject)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) diffFields(before[i], after[i], pathJoin(path, i), out)
    return out
  }
  out.push({ path, ...(before === undefined ? {} : { before: before as Json }), ...(after === undefined ? {} : { after: after as Json }) })
  return out
}

const identity = (doc: StateDocument['doc']) => `${doc.kind}\u0000${doc.name}`

/** Changes that turn `applied` into `desired`, sorted by kind (language order) and name. Moving a document between files is not a change. */
export function diffDocuments(applied: readonly StateDocument[], desired: readonly StateDocument[]): DocumentChange[] {
  const before = new Map(applied.map((entry) => [identity(entry.doc), entry]))
  const after = new Map(desired.map((entry) => [identity(entry.doc), entry]))
  const changes: DocumentChange[] = []
  for (const [key, entry] of after) {
    const old = before.get(key)
    if (old === undefined) {
      changes.push({ action: 'create', kind: entry.doc.kind, name: entry.doc.name, file: entry.file, fields: diffFields({}, withoutKindName(entry.doc)), after: entry.doc })
      continue
    }
    const fields = diffFields(withoutKindName(old.doc), withoutKindName(entry.doc))
    if (fields.length > 0) changes.push({ action: 'update', kind: entry.doc.kind, name: entry.doc.name, file: entry.file, fields, before: old.doc, after: entry.doc })
  }
  for (const [key, entry] of before) {
    if (!after.has(key)) changes.push({ action: 'delete', kind: entry.doc.kind, name: entry.doc.name, fields: diffFields(withoutKindName(entry.doc), {}), before: entry.doc })
  }
  const order = (kind: string) => (kinds as readonly string[]).indexOf(kind)
  return changes.sort((a, b) => order(a.kind) - order(b.kind) || compareStrings(a.name, b.name))
}

function withoutKindName(doc: Record<string, unknown>): Record<string, unknown> {
  const { kind: _kind, name: _name, ...rest } = doc
  return rest
}
