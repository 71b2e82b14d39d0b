// What `audit verify` concludes from a log's rows, its recorded head and its guards: the same in every backend.
import { entryHash, fromRow, genesisHash, MalformedAuditEntryError, type AuditRow } from './audit-chain.js'
import type { AuditHead, AuditVerification } from './store.js'

type Broken = { brokenAt?: number; reason: string }
export type ChainWalk = { entries: number; last: AuditHead; broken?: Broken; externalHeadSeq?: number }

/** The walk before its first row: nothing checked, at the genesis hash. */
export const startOfWalk: ChainWalk = { entries: 0, last: { seq: 0, hash: genesisHash } }

/**
 * One step of the walk: `row` checked against the walk so far. Returns the walk with it, or the walk stopped at it
 * (`broken` set; the caller stops). Notes the entry, if any, that has the hash `externalHead`.
 */
export function stepAuditWalk(walk: ChainWalk, row: AuditRow, externalHead: string | undefined): ChainWalk {
  const stop = (reason: string): ChainWalk => ({ ...walk, broken: { brokenAt: row.seq, reason } })
  const expected = walk.last.seq + 1
  if (row.seq !== expected) return stop(`expected entry ${expected}, found ${row.seq}`)
  let entry
  try {
    entry = fromRow(row)
  } catch (error) {
    if (error instanceof MalformedAuditEntryError) return stop('its detail is not valid JSON (the row was changed outside rolecall)')
    throw error
  }
  const { prevHash: storedPrev, hash, ...body } = entry
  if (storedPrev !== walk.last.hash) return stop('previous hash does not match')
  if (entryHash(walk.last.hash, body) !== hash) return stop('entry hash does not match its content')
  return { entries: walk.entries + 1, last: { seq: row.seq, hash }, ...(hash === externalHead ? { externalHeadSeq: row.seq } : walk.externalHeadSeq === undefined ? {} : { externalHeadSeq: walk.externalHeadSeq }) }
}

/** Recomputes every link; stops at the first wrong entry. Notes which entry, if any, has the hash `externalHead`. */
export function walkAuditRows(rows: Iterable<AuditRow>, externalHead: string | undefined): ChainWalk {
  let walk = startOfWalk
  for (const row of rows) {
    walk = stepAuditWalk(walk, row, externalHead)
    if (walk.broken !== undefined) break
  }
  return walk
}

/** Whether the last entry is the recorded head: entries cut off the end leave the head pointing past it. */
export function headProblem(last: AuditHead, head: AuditHead): Broken | undefined {
  if (head.seq < 0) return { reason: 'the recorded head of the log is missing' }
  if (last.seq < head.seq) {
    const removed = last.seq + 1 === head.seq ? `entry ${head.seq} was` : `entries ${last.seq + 1} to ${head.seq} were`
    return { brokenAt: last.seq + 1, reason: `the log ends at entry ${last.seq}, but the store recorded entry ${head.seq} as its last: ${removed} removed` }
  }
  if (last.seq > head.seq) return { brokenAt: head.seq + 1, reason: `entries after ${head.seq}, the recorded head, were added without moving it` }
  if (last.hash !== head.hash) return { brokenAt: last.seq, reason: 'the last entry is not the one the store recorded as its head (its hash differs)' }
  return undefined
}

/** The problem of an empty log in a store that holds what only logged writes create. */
export const emptyLogReason: Broken = { brokenAt: 1, reason: 'the log is empty, but the store holds connections, tokens or changes that were logged when made' }

/**
 * The verdict: the walk, the head the store recorded (undefined when its schema predates one), whether an empty log
 * is suspicious (`holdsLoggedState`), what is wrong with the guards (undefined when nothing), and the hash recorded
 * elsewhere that some entry must still have.
 */
export function auditVerdict(walk: ChainWalk, head: AuditHead | undefined, holdsLoggedState: () => boolean, guards: string | undefined, externalHead: string | undefined): AuditVerification {
  const broken = walk.broken ?? (head === undefined ? undefined : headProblem(walk.last, head)) ?? (walk.entries === 0 && holdsLoggedState() ? emptyLogReason : undefined)
  if (broken !== undefined) {
    const reason = guards === undefined ? broken.reason : `${broken.reason}; ${guards}`
    return { ok: false, entries: walk.entries, reason, ...(broken.brokenAt === undefined ? {} : { brokenAt: broken.brokenAt }) }
  }
  if (guards !== undefined) return { ok: false, entries: walk.entries, reason: guards }
  if (externalHead !== undefined && walk.externalHeadSeq === undefined) {
    return { ok: false, entries: walk.entries, reason: `no entry has the hash ${externalHead}, recorded earlier: the log was cut short or rewritten since` }
  }
  return { ok: true, entries: walk.entries, head: walk.last, isHeadRecorded: head !== undefined, ...(walk.externalHeadSeq === undefined ? {} : { externalHeadSeq: walk.externalHeadSeq }) }
}
