// Documents → DesiredState, with the semantic checks: unique names, exactly one Organization and Catalog.
import { checkSchema, documentKind } from '../load/schema-check.js'
import { kinds, type Kind, type LocatedDiagnostic, type SourceDocument } from '../load/document.js'
import type { SalvagedName } from '../load/salvage.js'
import type { Catalog, Organization } from '../schema/types.js'
import { checkReferences, type DeclaredNames } from './check-references.js'
import { emptyState, type Declared, type DesiredState } from './state.js'
import { pushAll } from '../util/push-all.js'
import { checkReviews } from '../review/campaign/check-review.js'

export type BuildResult = { state: DesiredState; diagnostics: LocatedDiagnostic[] }

type Valid = { kind: Kind; document: SourceDocument }

/** The `name` of a document, even one that fails the schema; a scalar that is not a string (`name: 2024`) counts as its text. */
function declaredName(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !('name' in value)) return undefined
  const name = value.name
  return typeof name === 'string' || typeof name === 'number' || typeof name === 'boolean' ? String(name) : undefined
}

function declare(names: DeclaredNames, kind: Kind, name: string | undefined): void {
  if (name !== undefined) names.set(kind, (names.get(kind) ?? new Set()).add(name))
}

function isKind(kind: string): kind is Kind {
  return (kinds as readonly string[]).includes(kind)
}

/**
 * Build the desired state from parsed documents. `now` decides which grants have expired.
 * `salvaged` names come from files that could not be loaded: they count as declared, so references to them are not reported.
 */
export function buildDesiredState(documents: readonly SourceDocument[], now: Date, salvaged: readonly SalvagedName[] = []): BuildResult {
  const diagnostics: LocatedDiagnostic[] = []
  const valid: Valid[] = []
  const names: DeclaredNames = new Map()
  for (const { kind, name } of salvaged) {
    if (isKind(kind)) declare(names, kind, name)
  }
  for (const document of documents) {
    const found = documentKind(document)
    if ('diagnostic' in found) {
      diagnostics.push(found.diagnostic)
      if (found.meant !== undefined) declare(names, found.meant, declaredName(document.value))
      continue
    }
    declare(names, found.kind, declaredName(document.value))
    const checked = checkSchema(document, found.kind)
    pushAll(diagnostics, checked.diagnostics)
    // Unknown keys are ignored by the model, so such a document can still be checked for references.
    if (checked.usable) valid.push({ kind: found.kind, document })
  }
  const state = emptyState()
  const singletons: Record<'Organization' | 'Catalog', Valid[]> = { Organization: [], Catalog: [] }
  // Ajv validated each document against its kind's schema, so it is that kind's type.
  const named: Record<Exclude<Kind, 'Organization' | 'Catalog'>, Map<string, Declared<{ name: string }>>> = {
    Role: state.roles,
    Service: state.services,
    Group: state.groups,
    Grant: state.grants,
    Policy: state.policies,
    AccessTest: state.tests,
    Review: state.reviews,
  }
  for (const entry of valid) {
    const { kind, document } = entry
    if (kind === 'Organization' || kind === 'Catalog') singletons[kind].push(entry)
    else addUnique(named[kind], kind, { doc: document.value as { name: string }, at: { file: document.file, index: document.index } }, diagnostics)
  }
  state.organization = single(singletons.Organization, 'Organization', 'organization-count', names, diagnostics) as Declared<Organization> | undefined
  state.catalog = single(singletons.Catalog, 'Catalog', 'catalog-count', names, diagnostics) as Declared<Catalog> | undefined
  pushAll(diagnostics, checkReferences(state, names, now))
  pushAll(diagnostics, checkReviews(state, now))
  return { state, diagnostics }
}

function addUnique<T extends { name: string }>(map: Map<string, Declared<T>>, kind: Kind, entry: Declared<T>, diagnostics: LocatedDiagnostic[]): void {
  const first = map.get(entry.doc.name)
  if (first === undefined) {
    map.set(entry.doc.name, entry)
    return
  }
  diagnostics.push({
    severity: 'error',
    code: 'duplicate-name',
    summary: `${kind} "${entry.doc.name}" is declared twice; names are unique per kind.`,
    detail: `First declared in ${first.at.file} (document ${first.at.index + 1}).`,
    at: { ...entry.at, path: ['name'] },
  })
}

function single(entries: Valid[], kind: 'Organization' | 'Catalog', code: string, names: DeclaredNames, diagnostics: LocatedDiagnostic[]) {
  const [first, ...extra] = entries
  for (const entry of extra) {
    diagnostics.push({
      severity: 'error',
      code,
      summary: `Only one ${kind} may be declared; another is in ${first?.document.file ?? ''}.`,
      at: { file: entry.document.file, index: entry.document.index, path: ['kind'] },
    })
  }
  // A declared but invalid document already has its schema errors: do not also say it is missing.
  if (first === undefined && (names.get(kind)?.size ?? 0) === 0) {
    diagnostics.push({ severity: 'error', code, summary: `No ${kind} is declared; exactly one is required.` })
  }
  if (first === undefined) return undefined
  return { doc: first.document.value, at: { file: first.document.file, index: first.document.index } }
}
