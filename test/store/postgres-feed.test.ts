// The PostgreSQL store's change feed: the notice a write sends (within NOTIFY's limit), and a store object that
// lost its listening connection catching up from its cursor.
import postgres from 'postgres'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeNotice, encodeNotice, type ChangeNotice } from '../../src/store/postgres/notice.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { feedDelayMs, type AccessChange, type Store } from '../../src/store/store.js'
import { eventually } from './contract/harness.js'
import { freshDatabase } from '../helpers/postgres-db.js'

const okta = { actor: 'scim:okta' }
const opened: Store[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
})

const notice = (userIds: string[]): ChangeNotice => ({ origin: 'o', from: { seq: 4, revision: 2 }, to: { seq: 5, revision: 3 }, all: false, userIds, userNames: ['ann'], isRevoked: true })

describe('change notices', () => {
  it("round-trips a notice, and says `all` instead of names past NOTIFY's 8000-byte limit", () => {
    expect(decodeNotice(encodeNotice(notice(['u1', 'u2'])))).toEqual(notice(['u1', 'u2']))
    const many = Array.from({ length: 1000 }, (_, i) => `user-${i}-0123456789`)
    const payload = encodeNotice(notice(many))
    expect(Buffer.byteLength(payload)).toBeLessThan(8000)
    expect(decodeNotice(payload)).toEqual({ ...notice([]), all: true, userNames: [] })
  })

  it('reads nothing from a payload it does not know (a catch-up covers it)', () => {
    for (const payload of ['7', 'not json', '{"o":"x","a":-1,"s":2,"f":0,"r":1}', 'null']) expect(decodeNotice(payload)).toBeUndefined()
  })
})

describe('a store object whose listening connection was cut', () => {
  it('reconnects and tells what was committed meanwhile: the revision covered, a revocation to credential listeners', async () => {
    const url = await freshDatabase()
    const [writer, reader] = [await openPostgresStore(url, { poolSize: 2 }), await openPostgresStore(url, { poolSize: 2 })]
    opened.push(writer, reader)
    const { info } = await writer.createToken('okta')
    const changes: AccessChange[] = []
    let revoked = 0
    reader.onAccessChange((change) => changes.push(change))
    reader.onCredentialChange(() => revoked++)
    const sql = postgres(url, { max: 1, onnotice: () => undefined })
    try {
      const cut = await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rolecall' AND query ILIKE 'listen%'`
      expect(cut.length).toBe(2)
    } finally {
      await sql.end()
    }
    const user = await writer.createUser('okta', { userName: 'ann' }, okta)
    await writer.revokeToken(info.id)
    await eventually(
      async () => revoked,
      (count) => count > 0,
      feedDelayMs,
    )
    expect(revoked).toBe(1)
    const told = await eventually(
      async () => changes,
      (heard) => heard.some((change) => change.revision === 1),
      feedDelayMs,
    )
    // Heard as the write's notice (the connection was back in time) or in the catch-up (it was not).
    expect(told.some((change) => change.from === 0 && change.revision === 1 && (change.all || change.userIds.includes(user.id)))).toBe(true)
    // Listening again: the next write is told as its own notice.
    const next = await writer.createUser('okta', { userName: 'bob' }, okta)
    const after = await eventually(
      async () => changes,
      (heard) => heard.some((change) => change.revision === 2),
      feedDelayMs,
    )
    expect(after.at(-1)).toEqual({ from: 1, revision: 2, all: false, userIds: [next.id], userNames: ['bob'] })
  })
})
