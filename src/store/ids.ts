// Ids of users and groups: UUIDv7 (RFC 9562), so that new rows land at the end of the `id` index.
import { randomFillSync } from 'node:crypto'

/** Random bytes fetched 4 KiB at a time (randomUUID keeps a similar cache). */
const pool = Buffer.alloc(16 * 256)
let poolOffset = pool.length

/**
 * A UUIDv7: 48 bits of Unix milliseconds, then 74 random bits. A random (v4) id puts each insert on a random
 * page of the unique index, and every such page is written to the WAL and synced at the next commit; ids that
 * grow with time share the index's last page. SCIM ids are opaque: only their uniqueness matters to clients.
 */
export function newResourceId(now = Date.now()): string {
  if (poolOffset >= pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16)
  poolOffset += 16
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
