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

/** Entries of one Policy list (at `field`) that must differ in `keyField`, reported with what to do instead. */
function policyRepeats<T>(entry: Declared<Policy>, list: readonly T[], [field, keyField]: [string, string], key: (item: T) => string, summary: (key: string) => string, detail: (key: string) => string, emit: Emit): void {
  reportRepeats(
    list,
    key,
    (index) => pathIn(entry, field, index, keyField),
    (item, at, firstAt) => emit({ severity: 'error', code: 'duplicate-name', summary: summary(key(item)), detail: detail(key(item)), at, firstAt }),
  )
}

/**
 * One approval rule per risk, one bound per critical permission, one name per separation-of-duty pair: with two,
 * which of them holds is left to the reader's guess (the plan applies both bounds; a finding names one pair).
 */
function checkPolicy(entry: Declared<Policy>, emit: Emit): void {
  const policy = entry.doc
  policyRepeats(
    entry,
    policy.approvals ?? [],
    ['approvals', 'risk'],
    (rule) => rule.risk,
    (risk) => `Policy "${policy.name}" has two approval rules for risk ${risk}; each risk has one rule.`,
    (risk) => `Merge them: list every approver of ${risk} changes in one rule, with the count they need.`,
    emit,
  )
  policyRepeats(
    entry,
    policy.criticalPermissions ?? [],
    ['criticalPermissions', 'permission'],
    (rule) => rule.permission,
    (permission) => `Policy "${policy.name}" bounds the holders of ${permission} twice; each critical permission has one entry.`,
    () => 'Merge them into one entry with the minimum and maximum meant.',
    emit,
  )
  uniqueNames(entry, policy.separationOfDuty ?? [], ['separationOfDuty'], 'Separation-of-duty pair', `in Policy "${policy.name}"`, emit)
}

/** Duplicates inside the documents of a state whose Catalog is known. */
export function checkUniqueEntries(state: DesiredState, emit: Emit): void {
  if (state.catalog !== undefined) checkCatalog(state.catalog, emit)
  if (state.organization !== undefined) checkOrganization(state.organization, emit)
  for (const service of state.services.values()) checkService(service, emit)
  for (const policy of state.policies.values()) checkPolicy(policy, emit)
}
