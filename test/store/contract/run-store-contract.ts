// The store contract: every category, run on one backend. Each backend's test file calls this once.
import { describe, expect, it } from 'vitest'
import { capabilities, type StoreBackend } from './backend.js'
import { useContract, type Contract } from './harness.js'
import { connectionsAndTokens } from './connections-tokens.js'
import { users } from './users.js'
import { groups } from './groups.js'
import { queries } from './queries.js'
import { rootSearches } from './root-search.js'
import { peopleSearch } from './people.js'
import { revisionAndAudit } from './revision-audit.js'
import { appliedLedger } from './applied.js'
import { breakGlass } from './break-glass.js'
import { adminTokens } from './admin-tokens.js'
import { accessChanges } from './access-changes.js'
import { directoryReads } from './directory-reads.js'
import { concurrency } from './concurrency.js'
import { crossObject } from './cross-object.js'
import { dumpAndLoad } from './dump.js'
import { membershipWrites } from './membership-writes.js'
import { holds } from './holds.js'

const categories: readonly ((contract: Contract) => void)[] = [
  connectionsAndTokens,
  users,
  groups,
  queries,
  rootSearches,
  peopleSearch,
  revisionAndAudit,
  appliedLedger,
  breakGlass,
  adminTokens,
  accessChanges,
  directoryReads,
  concurrency,
  crossObject,
  dumpAndLoad,
  membershipWrites,
  holds,
]

export function runStoreContract(backend: StoreBackend): void {
  describe(`store contract: ${backend.name}`, () => {
    const contract = useContract(backend)

    it('declares only capabilities the contract knows, each with a reason', () => {
      for (const [capability, reason] of Object.entries(backend.cannot ?? {})) {
        expect(capabilities).toContain(capability)
        expect(reason.trim().length, `the reason ${backend.name} gives for lacking ${capability}`).toBeGreaterThan(10)
      }
    })

    for (const category of categories) category(contract)
  })
}
