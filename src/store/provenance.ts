// Reads the facts an answer's provenance names from the store: the SCIM writes behind its memberships.
import { identitiesOf } from '../engine/identity.js'
import { membershipProvenance, membershipsBehind, type AppliedProvenance, type ChainsOf, type MembershipRef, type Provenance } from '../engine/provenance.js'
import type { Directory } from '../engine/types.js'
import type { DesiredState } from '../model/state.js'
import type { AppliedRevision } from './applied.js'
import type { Store } from './store.js'

/** The applied revision as provenance shows it. */
export function appliedProvenance(revision: AppliedRevision): AppliedProvenance {
  return {
    revision: revision.id,
    appliedAt: revision.appliedAt,
    commit: revision.commit,
    author: revision.author,
    approvedBy: revision.approvedBy,
    pullRequest: revision.review === undefined ? null : { ...revision.review.pullRequest },
    verifiedApprovers: revision.review === undefined ? null : [...revision.review.verifiedApprovers],
  }
}

/** The provenance of an answer computed at `storeRevision` from `applied`, through `memberships`: two reads (none without memberships). */
export async function readProvenance(store: Pick<Store, 'membershipSeqs' | 'auditEntries'>, storeRevision: number, applied: AppliedRevision | undefined, memberships: readonly MembershipRef[]): Promise<Provenance> {
  const seqs = memberships.length === 0 ? [] : await store.membershipSeqs(memberships.map(({ groupId, userId }) => ({ groupId, userId })))
  const seqOf = new Map(seqs.map((found) => [`${found.groupId}\u0000${found.userId}`, found.seq]))
  const known = seqs.flatMap((found) => (found.seq === null ? [] : [found.seq]))
  const writes = known.length === 0 ? [] : await store.auditEntries(known)
  return {
    storeRevision,
    applied: applied === undefined ? null : appliedProvenance(applied),
    memberships: membershipProvenance(memberships, (membership) => seqOf.get(`${membership.groupId}\u0000${membership.userId}`), writes),
  }
}

/** What an answer on effective access was computed from: the state and directory, at a store revision, from an applied revision (if any). */
export type AnswerBasis = { state: DesiredState; directory: Pick<Directory, 'users' | 'groups' | 'memberships'>; storeRevision: number; applied?: AppliedRevision | undefined }

/** Where an answer about `people` (each with the chains it shows) comes from. */
export function readAnswerProvenance(store: Pick<Store, 'membershipSeqs' | 'auditEntries'>, basis: AnswerBasis, people: readonly ChainsOf[]): Promise<Provenance> {
  const identities = identitiesOf(basis.state)
  const memberships = membershipsBehind(people, basis.directory, (record) => identities.personKey(record.userName, record.connection))
  return readProvenance(store, basis.storeRevision, basis.applied, memberships)
}
