// What a committed write tells other processes on the change channel: which store object wrote, the audit entries
// and revisions it went from and to, whose access it may have changed, and whether it revoked a credential.
import type { FeedCursor } from '../feed.js'

/** One write's notice, as the listening side reads it. */
export type ChangeNotice = {
  /** The store object that wrote (its own notices tell it nothing new). */
  origin: string
  from: FeedCursor
  to: FeedCursor
  all: boolean
  userIds: string[]
  userNames: string[]
  isRevoked: boolean
}

/** NOTIFY refuses payloads of 8000 bytes or more; past this, a notice names nobody and says `all`. */
const maxPayloadBytes = 7900

type Wire = { o: string; a: number; s: number; f: number; r: number; all?: 1; i?: string[]; n?: string[]; c?: 1 }

/** The payload of `notice`: JSON, under NOTIFY's limit (too many names make it an `all`). */
export function encodeNotice(notice: ChangeNotice): string {
  const wire: Wire = { o: notice.origin, a: notice.from.seq, s: notice.to.seq, f: notice.from.revision, r: notice.to.revision, ...(notice.isRevoked ? { c: 1 } : {}) }
  if (notice.all) return JSON.stringify({ ...wire, all: 1 })
  const full = JSON.stringify({ ...wire, i: notice.userIds, n: notice.userNames })
  return Buffer.byteLength(full) < maxPayloadBytes ? full : JSON.stringify({ ...wire, all: 1 })
}

/** The notice in `payload`, or undefined for one this version cannot read (a catch-up then covers it). */
export function decodeNotice(payload: string): ChangeNotice | undefined {
  let wire: unknown
  try {
    wire = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof wire !== 'object' || wire === null) return undefined
  const { o, a, s, f, r, all, i, n, c } = wire as Record<string, unknown>
  if (typeof o !== 'string' || !isCount(a) || !isCount(s) || !isCount(f) || !isCount(r)) return undefined
  return { origin: o, from: { seq: a, revision: f }, to: { seq: s, revision: r }, all: all === 1, userIds: strings(i), userNames: strings(n), isRevoked: c === 1 }
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [])
