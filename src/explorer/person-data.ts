// What a person's page shows, read through the check API's per-person access (CheckService) and the live model.
import { holdingAnswer, holdingsOf } from '../engine/answers.js'
import { identitiesOf } from '../engine/identity.js'
import { personSubject } from '../engine/person.js'
import { chainText } from '../engine/chain.js'
import type { CheckService } from '../server/check-service.js'
import type { StoredUser, Store } from '../store/store.js'
import { compareStrings } from '../util/compare.js'
import { declarationOf, type Declaration } from './declarations.js'
import { heldOf } from '../guard/held-directory.js'
import type { LiveModel } from './live-model.js'
import type { ChainView, PersonData, ServiceAccess } from './pages/person.js'

/** The heading of org permissions among a person's services. */
export const organizationHeading = 'Organization permissions'

/** The person's page data; undefined for someone nobody knows (no record, nothing held); an error for an ambiguous name. */
export async function personData(store: Store, checks: CheckService, model: LiveModel, ref: { user: string; connection?: string }, now: Date): Promise<PersonData | { error: string } | undefined> {
  const [found, applied, directory] = await Promise.all([checks.accessOfPerson(ref, now), model.appliedState(), store.directoryOfUser(ref.user)])
  // The drift the Changes page last computed: a person's page does not wait for everyone's access to be projected.
  const drift = model.lastDrift()?.value
  if ('error' in found) return found
  const held = holdingsOf(found.access, found.key)
  const name = ref.user.toLowerCase()
  const chosen = directory.users.filter((record) => record.userName.toLowerCase() === name && (ref.connection === undefined || record.connection === ref.connection))
  const records = (await Promise.all(chosen.map((record) => store.getUser(record.connection, record.id, true)))).filter((record): record is StoredUser => record !== undefined)
  if (records.length === 0 && held.holdings.length === 0) return undefined
  const state = applied?.state
  const chainIds = new Map<string, number>()
  const chains: ChainView[] = []
  const byService = new Map<string, ServiceAccess['items'][number][]>()
  for (const holding of held.holdings) {
    const text = chainText(holding.chain)
    let chainId = chainIds.get(text)
    if (chainId === undefined) {
      chainId = chains.length + 1
      chainIds.set(text, chainId)
      const declarations = holding.chain.map((step) => declarationOf(state, step)).filter((entry): entry is Declaration => entry !== undefined)
      chains.push({ id: chainId, chain: holding.chain, declarations })
    }
    const target = holding.type === 'grant' ? holding.grant.resource.service : ''
    const service = holding.type === 'permission' ? organizationHeading : target === '*' ? 'Every service' : `Service ${target}`
    const items = byService.get(service) ?? []
    items.push({ answer: holdingAnswer(holding), chainId })
    byService.set(service, items)
  }
  const services = [...byService.entries()].sort(([a], [b]) => (a === organizationHeading ? -1 : b === organizationHeading ? 1 : compareStrings(a, b))).map(([service, items]) => ({ service, items }))
  const shown = held.user ?? records[0]?.doc['userName']?.toString() ?? ref.user
  const connections = [...new Set(records.map((record) => record.connection))].sort(compareStrings)
  const report = drift !== undefined && 'report' in drift ? drift.report : undefined
  const isThem = (user: string) => user.toLowerCase() === name
  const recordIds = new Set(records.map((record) => record.id))
  const holds = heldOf(await store.holdsOfRecords([...recordIds]), recordIds)
  return {
    subject: state === undefined ? shown : personSubject(identitiesOf(state), shown, connections),
    source: applied === undefined ? 'access files (nothing applied yet)' : `applied revision ${applied.revision}`,
    records,
    isInactive: held.inactive,
    services,
    chains,
    drift: report?.scim.filter((change) => isThem(change.user)),
    breakGlass: report?.breakGlass.filter((grant) => isThem(grant.user)) ?? [],
    held: holds,
  }
}
