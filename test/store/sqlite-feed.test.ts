// The SQLite store's feed of other connections' commits: found by a short poll, told as a catch-up, and nothing
// told for this object's own writes or for another connection's checkpoint.
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { feedDelayMs, sqlitePollMs, type AccessChange, type Store } from '../../src/store/store.js'
import { eventually } from './contract/harness.js'
import { tempStorePath } from '../helpers/sqlite-file.js'

const okta = { actor: 'scim:okta' }
const opened: { close(): Promise<void> }[] = []
const removals: (() => void)[] = []

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  for (const remove of removals.splice(0)) remove()
})

function twoObjects(): { path: string; here: Store; there: Store } {
  const { path, remove } = tempStorePath('rolecall-feed-')
  removals.push(remove)
  const here = openSqliteStore(path, { lockWait: 'retry' })
  const there = openSqliteStore(path, { lockWait: 'retry' })
  opened.push(here, there)
  return { path, here, there }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('sqlite feed of other connections', () => {
  it('tells its own writes once, and nothing more when another connection checkpoints the WAL', async () => {
    const { path, here } = twoObjects()
    const changes: AccessChange[] = []
    let revoked = 0
    here.onAccessChange((change) => changes.push(change))
    here.onCredentialChange(() => revoked++)
    const user = await here.createUser('okta', { userName: 'ann' }, okta)
    const { info } = await here.createToken('okta')
    await here.revokeToken(info.id)
    const checkpointer = new Database(path)
    checkpointer.pragma('wal_checkpoint(TRUNCATE)')
    checkpointer.close()
    await pause(sqlitePollMs * 4)
    expect(changes).toEqual([{ from: 0, revision: 1, all: false, userIds: [user.id], userNames: ['ann'] }])
    expect(revoked).toBe(1)
  })

  it("tells, within the poll, another connection's write as everyone's and its token revocation to credential listeners", async () => {
    const { here, there } = twoObjects()
    const { info } = await there.createToken('okta')
    const changes: AccessChange[] = []
    let revoked = 0
    here.onAccessChange((change) => changes.push(change))
    here.onCredentialChange(() => revoked++)
    await here.createUser('okta', { userName: 'own' }, okta)
    await there.revokeToken(info.id)
    expect(
      await eventually(
        async () => revoked,
        (count) => count > 0,
        feedDelayMs,
      ),
    ).toBe(1)
    expect(changes).toHaveLength(1)
    await there.createUser('okta', { userName: 'bob' }, okta)
    const told = await eventually(
      async () => changes,
      (heard) => heard.length > 1,
      feedDelayMs,
    )
    expect(told.at(-1)).toEqual({ from: 1, revision: 2, all: true, userIds: [], userNames: [] })
    expect(revoked).toBe(1)
  })
})
