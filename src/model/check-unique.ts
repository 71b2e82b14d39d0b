// Entries that must be unique inside one document: Catalog entries, an Organization's connections, a Service's roles,
// and a Policy's approval tiers, critical permissions and separation-of-duty pairs. The model reads the first of two and ignores the second, so a duplicate would change
// access (or approvals) without anyone seeing it.
import type { DocLocation, LocatedDiagnostic } from '../load/document.js'
import type { Catalog, Organization, Policy, Service } from '../schema/types.js'
import type { Declared, DesiredState } from './state.js'

type Emit = (diagnostic: LocatedDiagnostic) => void

/** Every entry of `items` whose `key` an earlier entry already has, reported at the later one with the first's position. */
function reportRepeats<T>(items: readonly T[], key: (item: T) => string, at: (index: number) => DocLocation, report: (item: T, at: DocLocation, firstAt: DocLocation) => void): void {
  const first = new Map<string, number>()
  items.forEach((item, index) => {
    const seen = first.get(key(item))
    if (seen === undefined) first.set(key(item), index)
    else report(item, at(index), at(seen))
  })
}

function pathIn({ at }: Declared<unknown>, ...path: (string | number)[]): DocLocation {
  return { file: at.file, index: at.index, path }
}

/** Names in a list of one document are unique: reported as `${what} "name"${where} is declared twice…`. */
function uniqueNames(entry: Declared<unknown>, items: readonly { name: string }[], path: (string | number)[], what: string, where: string, emit: Emit): void {
  reportRepeats(
    items,
    (item) => item.name,
    (index) => pathIn(entry, ...path, index, 'name'),
    (item, at, firstAt) => emit({ severity: 'error', code: 'duplicate-name', summary: `${what} "${item.name}" is declared twice ${where}; rename or remove one.`, at, firstAt }),
  )
}

function checkCatalog(entry: Declared<Catalog>, emit: Emit): void {
  const catalog = entry.doc
  uniqueNames(entry, catalog.permissions, ['permissions'], 'Permission', 'in the Catalog', emit)
  uniqueNames(entry, catalog.resourceTypes, ['resourceTypes'], 'Resource type', 'in the Catalog', emit)
  catalog.resourceTypes.forEach((type, index) => uniqueNames(entry, type.actions, ['resourceTypes', index, 'actions'], 'Action', `on resource type "${type.name}" in the Catalog`, emit))
  uniqueNames(entry, catalog.environments ?? [], ['environments'], 'Environment', 'in the Catalog', emit)
  uniqueNames(entry, catalog.serviceRoles ?? [], ['serviceRoles'], 'Service role', 'in the Catalog', emit)
}

function checkOrganization(entry: Declared<Organization>, emit: Emit): void {
  uniqueNames(entry, entry.doc.connections, ['connections'], 'Connection', `in Organization "${entry.doc.name}"`, emit)
}

function checkService(entry: Declared<Service>, emit: Emit): void {
  uniqueNames(entry, entry.doc.roles ?? [], ['roles'], 'Role', `in Service "${entry.doc.name}"`, emit)
}

/** One approval rule per risk: two would leave which of them holds to the reader's guess. */
function checkPolicy(entry: Declared<Policy>, emit: Emit): void {
  reportRepeats(
    entry.doc.approvals ?? [],
    (rule) => rule.risk,
    (index) => pathIn(entry, 'approvals', index, 'risk'),
    (rule, at, firstAt) =>
      emit({
        severity: 'error',
        code: 'duplicate-name',
        summary: `Policy "${entry.doc.name}" has two approval rules for risk ${rule.risk}; each risk has one rule.`,
        detail: `Merge them: list every approver of ${rule.risk} changes in one rule, with the count they need.`,
        at,
        firstAt,
      }),
  )
}

/**
 * One bound per critical permission and one name per separation-of-duty pair: with two, the reader cannot tell which
 * holds (the plan applies both, the findings name only one).
 */
function checkPolicyEntries(entry: Declared<Policy>, emit: Emit): void {
  reportRepeats(
    entry.doc.criticalPermissions ?? [],
    (rule) => rule.permission,
    (index) => pathIn(entry, 'criticalPermissions', index, 'permission'),
    (rule, at, firstAt) =>
      emit({
        severity: 'error',
        code: 'duplicate-name',
        summary: `Policy "${entry.doc.name}" bounds the holders of ${rule.permission} twice; each critical permission has one entry.`,
        detail: 'Merge them into one entry with the minimum and maximum meant.',
        at,
        firstAt,
      }),
  )
  uniqueNames(entry, entry.doc.separationOfDuty ?? [], ['separationOfDuty'], 'Separation-of-duty pair', `in Policy "${entry.doc.name}"`, emit)
}

/** Duplicates inside the documents of a state whose Catalog is known. */
export function checkUniqueEntries(state: DesiredState, emit: Emit): void {
  if (state.catalog !== undefined) checkCatalog(state.catalog, emit)
  if (state.organization !== undefined) checkOrganization(state.organization, emit)
  for (const service of state.services.values()) checkService(service, emit)
  for (const policy of state.policies.values()) {
    checkPolicy(policy, emit)
    checkPolicyEntries(policy, emit)
  }
}
