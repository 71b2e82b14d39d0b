// DesiredState ⇄ the flat, sorted document list that plans carry and apply records.
import type { SourceDocument } from '../load/document.js'
import { kinds, type Kind } from '../load/document.js'
import { compareStrings } from '../util/compare.js'
import { buildDesiredState } from './build.js'
import type { DesiredState } from './state.js'

export type StateDocument = { file: string; doc: { kind: Kind; name: string } & Record<string, unknown> }

/** Every document of the state, sorted by kind (in language order) then name. */
export function stateDocuments(state: DesiredState): StateDocument[] {
  const out: StateDocument[] = []
  const add = (entry: { doc: object; at: { file: string } } | undefined) => {
    if (entry !== undefined) out.push({ file: entry.at.file, doc: entry.doc as StateDocument['doc'] })
  }
  add(state.organization)
  add(state.catalog)
  for (const map of [state.roles, state.services, state.groups, state.grants, state.policies, state.tests]) {
    for (const entry of map.values()) add(entry)
  }
  return out.sort((a, b) => kinds.indexOf(a.doc.kind) - kinds.indexOf(b.doc.kind) || compareStrings(a.doc.name, b.doc.name))
}

/** Rebuild a state from recorded documents (they were validated when recorded). */
export function stateFromDocuments(documents: readonly { file: string; doc: unknown }[], now: Date): DesiredState {
  const sources: SourceDocument[] = documents.map((entry, index) => ({ file: entry.file, index, value: entry.doc }))
  return buildDesiredState(sources, now).state
}
