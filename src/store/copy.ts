// Copying a whole store to a new, empty one (SQLite to PostgreSQL, or any backend to any): read-only on the source, one transaction on the target, the audit chain checked on both.
import { existsSync, rmSync } from 'node:fs'
import { StoreError } from '../errors.js'
import type { DumpCounts, LoadProgress } from './dump.js'
import type { StoreLocation } from './location.js'
import { openStore, requireStore } from './open-store.js'
import type { AuditHead } from './store.js'

/** What a copy did: the rows of each table, and the audit head that `audit verify` finds on each side. */
export type CopyReport = { counts: DumpCounts; sourceHead: AuditHead; targetHead: AuditHead }

export type CopyOptions = {
  onProgress?: (progress: LoadProgress) => void
  /** Clock for the stores' timestamps (a copy writes none of its own); tests pass a fixed one. */
  clock?: () => Date
}

function isSameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.backend === 'sqlite' && b.backend === 'sqlite') return a.path === b.path
  return a.backend === 'postgres' && b.backend === 'postgres' && a.display === b.display
}

/**
 * Copies everything the store at `from` holds into the store at `to`, which must be empty (a file or database that
 * does not hold one yet is created). The source is opened read-only and read in one snapshot; the target is written
 * in one transaction, so that a failure leaves it as empty as it was. The source's audit chain must verify before
 * anything is written, and the target's must verify after, ending at the same head.
 */
export async function copyStore(from: StoreLocation, to: StoreLocation, options: CopyOptions = {}): Promise<CopyReport> {
  if (isSameLocation(from, to)) throw new StoreError(`--from and --to are the same store (${from.display})`)
  await requireStore(from)
  const clock = options.clock === undefined ? {} : { clock: options.clock }
  const source = await openStore(from, { use: 'read', ...clock })
  try {
    const verified = await source.verifyAudit()
    if (!verified.ok) throw new StoreError(`the audit log of ${from.display} does not verify (${verified.reason}); nothing was copied. Run rolecall audit verify --db on it`)
    const isNewFile = to.backend === 'sqlite' && to.path !== ':memory:' && !existsSync(to.path)
    const target = await openStore(to, { use: 'write', ...clock })
    let isCopied = false
    try {
      const counts = await target.load(source.dump(), options.onProgress === undefined ? {} : { onProgress: options.onProgress })
      isCopied = true
      const copied = await target.verifyAudit()
      if (!copied.ok) throw new StoreError(`the copy at ${to.display} was written but its audit log does not verify: ${copied.reason}`)
      if (copied.head.seq !== verified.head.seq || copied.head.hash !== verified.head.hash) {
        throw new StoreError(`the copy at ${to.display} was written but its audit head (entry ${copied.head.seq}) is not the source's (entry ${verified.head.seq})`)
      }
      return { counts, sourceHead: verified.head, targetHead: copied.head }
    } finally {
      await target.close()
      // A file this copy created, and that holds nothing, is not left behind for the next attempt to refuse.
      if (!isCopied && isNewFile && to.backend === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(`${to.path}${suffix}`, { force: true })
    }
  } finally {
    await source.close()
  }
}
