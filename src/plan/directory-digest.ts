// The digest a plan records of the directory it was computed on, so that apply can refuse a plan whose users or
// memberships moved. Millions of memberships: written as bytes into one buffer and hashed, never as strings.
import { createHash, type Hash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { membershipsOfTable, membershipTableOf, type MembershipTable } from '../engine/membership-table.js'
import type { Directory } from '../engine/types.js'

// Ids are compared as code units: the order only has to be the same everywhere, and a collator costs 10x more.
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The list in order of id (stable), itself when it already is. `ids`, distinct and in code-unit order, may be the
 * list's ids (a membership table's ids of every user or group): then each row is put in its place, without a sort.
 */
export function sortedById<T extends { id: string }>(list: readonly T[], ids?: readonly string[]): readonly T[] {
  let isSorted = true
  for (let i = 1; i < list.length && isSorted; i++) if (byId(list[i - 1] as T, list[i] as T) > 0) isSorted = false
  if (isSorted) return list
  if (ids !== undefined && ids.length === list.length) {
    const position = new Map<string, number>()
    for (let i = 0; i < ids.length; i++) position.set(ids[i] as string, i)
    const placed: T[] = new Array(list.length)
    let isPlaced = true
    for (const row of list) {
      const at = position.get(row.id)
      if (at === undefined || placed[at] !== undefined) {
        isPlaced = false
        break
      }
      placed[at] = row
    }
    if (isPlaced) return placed
  }
  return [...list].sort(byId)
}

/** The directory's users and groups in id order: the table's rows when it has them (no sort), else sorted. */
export function rowsInIdOrder(directory: Directory, table: MembershipTable): Pick<Directory, 'users' | 'groups'> {
  const byId = table.rowsById
  return {
    users: byId !== undefined && byId.users.length === directory.users.length ? byId.users : sortedById(directory.users, table.userIds),
    groups: byId !== undefined && byId.groups.length === directory.groups.length ? byId.groups : sortedById(directory.groups, table.groupIds),
  }
}

const chunkSize = 1 << 20

/** Text hashed as UTF-8 through one buffer (a few native calls per megabyte rather than one per string). */
class HashWriter {
  readonly hash: Hash = createHash('sha256')
  private readonly buffer = Buffer.allocUnsafe(chunkSize)
  private length = 0

  write(text: string): void {
    // At most 3 bytes per UTF-16 code unit.
    if (this.length + text.length * 3 > chunkSize) {
      this.flush()
      if (text.length * 3 > chunkSize) {
        this.hash.update(text)
        return
      }
    }
    this.length += this.buffer.write(text, this.length, 'utf8')
  }

  flush(): void {
    if (this.length > 0) this.hash.update(this.buffer.subarray(0, this.length))
    this.length = 0
  }
}

/**
 * A canonical digest of the directory the access delta depends on: sha256 of the canonical JSON of
 * `{users, groups, memberships}` (rows sorted by id; memberships as sorted `groupId\u0000userId` texts), hashed as
 * it is written rather than built as one string.
 */
export function directoryDigest(directory: Directory): string {
  const table = membershipTableOf(directory)
  const { users, groups } = rowsInIdOrder(directory, table)
  const out = new HashWriter()
  // For an array of strings, booleans and nulls, JSON.stringify is canonical JSON; one array is reused per row.
  const row: (string | boolean | null)[] = []
  out.write('{"groups":[')
  for (const [i, group] of groups.entries()) {
    row.length = 0
    row.push(group.id, group.connection, group.displayName, group.externalId ?? null)
    out.write(`${i === 0 ? '' : ','}${JSON.stringify(row)}`)
  }
  out.write('],"memberships":[')
  out.flush()
  hashMemberships(table, out)
  out.write('],"users":[')
  for (const [i, user] of users.entries()) {
    row.length = 0
    row.push(user.id, user.connection, user.userName, user.externalId ?? null, user.active)
    out.write(`${i === 0 ? '' : ','}${JSON.stringify(row)}`)
  }
  out.write(']}')
  out.flush()
  return `sha256:${out.hash.digest('hex')}`
}

/** The memberships' part of the digest: the JSON strings of the sorted `groupId\u0000userId` texts, comma-separated. */
function hashMemberships(table: MembershipTable, out: HashWriter): void {
  const { groupIds, userIds, offsets, members } = table
  if (members.length === 0) return
  // With a NUL inside an id, pair order and text order could differ: sort the texts.
  if (groupIds.some((id) => id.includes('\u0000')) || userIds.some((id) => id.includes('\u0000'))) {
    const texts = membershipsOfTable(table)
      .map((entry) => `${entry.groupId}\u0000${entry.userId}`)
      .sort()
    for (const [i, text] of texts.entries()) out.write(`${i === 0 ? '' : ','}${JSON.stringify(text)}`)
    out.flush()
    return
  }
  // In pair order, which is text order. Each entry is `,` + the group's escaped prefix + the user's escaped suffix:
  // both are encoded once, into one buffer with the output, and copied with copyWithin (no object per copy).
  const suffixes = userIds.map((id) => JSON.stringify(id).slice(1))
  const suffixStart = new Uint32Array(userIds.length + 1)
  let poolSize = 0
  let longestSuffix = 0
  for (let u = 0; u < suffixes.length; u++) {
    suffixStart[u] = poolSize
    const size = Buffer.byteLength(suffixes[u] as string)
    poolSize += size
    if (size > longestSuffix) longestSuffix = size
  }
  suffixStart[userIds.length] = poolSize
  let longestPrefix = 0
  for (const id of groupIds) longestPrefix = Math.max(longestPrefix, Buffer.byteLength(JSON.stringify(id)) + 8)
  const prefixAt = poolSize
  const outputAt = prefixAt + longestPrefix
  const outputEnd = outputAt + chunkSize
  const buffer = Buffer.allocUnsafe(outputEnd + longestPrefix + longestSuffix)
  buffer.write(suffixes.join(''), 0, 'utf8')
  let at = outputAt
  let isFirst = true
  for (let g = 0; g < groupIds.length; g++) {
    const start = offsets[g] as number
    const end = offsets[g + 1] as number
    if (start === end) continue
    // `,"<group id>\u0000`: the comma is left out before the first entry.
    buffer[prefixAt] = 0x2c
    const prefixEnd = prefixAt + 1 + buffer.write(`${JSON.stringify(groupIds[g]).slice(0, -1)}\\u0000`, prefixAt + 1, 'utf8')
    for (let i = start; i < end; i++) {
      if (at >= outputEnd) {
        out.hash.update(buffer.subarray(outputAt, at))
        at = outputAt
      }
      const from = isFirst ? prefixAt + 1 : prefixAt
      isFirst = false
      buffer.copyWithin(at, from, prefixEnd)
      at += prefixEnd - from
      const user = members[i] as number
      const suffixFrom = suffixStart[user] as number
      const suffixEnd = suffixStart[user + 1] as number
      buffer.copyWithin(at, suffixFrom, suffixEnd)
      at += suffixEnd - suffixFrom
    }
  }
  out.hash.update(buffer.subarray(outputAt, at))
}

/**
 * directoryDigest computed on a worker thread (the directory is copied to it), so that the caller can compute
 * the rest of a plan meanwhile; computed here for a small directory, or when the worker cannot run (as in tests
 * that run the sources).
 */
export function directoryDigestOffThread(directory: Directory): Promise<string> {
  const script = new URL('./directory-digest-worker.js', import.meta.url)
  // A small directory is hashed sooner than a worker starts.
  const isSmall = directory.users.length + membershipTableOf(directory).members.length < 20_000
  if (isSmall || !existsSync(fileURLToPath(script))) return Promise.resolve(directoryDigest(directory))
  return new Promise<string>((resolve, reject) => {
    const worker = new Worker(script)
    worker.unref()
    worker.once('message', (digest: string) => {
      resolve(digest)
      void worker.terminate()
    })
    worker.once('error', reject)
    worker.once('exit', () => reject(new Error('the directory digest worker stopped without an answer')))
    const { groupIds, userIds, offsets, members } = membershipTableOf(directory)
    worker.postMessage({ users: directory.users, groups: directory.groups, table: { groupIds, userIds, offsets, members } })
  }).catch(() => directoryDigest(directory))
}
