// The audit log's recorded head: set from the log when a store is migrated, moved by every append, never back.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { genesisHash, type AuditRecord } from '../../src/store/audit-chain.js'
import { AuditLog } from '../../src/store/sqlite/audit.js'
import { verifyAuditChain } from '../../src/store/sqlite/audit-verify.js'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'

const record: AuditRecord = { actor: 'cli', connection: null, action: 'apply', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null }
const head = (db: Database.Database) => db.prepare('SELECT seq, hash FROM audit_head').get()

describe('the recorded audit head', () => {
  it('starts at the genesis hash in a new store and follows each append in its transaction', () => {
    const db = new Database(':memory:')
    migrate(db)
    expect(head(db)).toEqual({ seq: 0, hash: genesisHash })
    const log = new AuditLog(db)
    db.transaction(() => {
      log.append('t1', record)
      log.append('t2', record)
    })()
    log.forget()
    const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get()
    expect(head(db)).toEqual(last)
    // A rolled-back append leaves the head where it was.
    expect(() =>
      db.transaction(() => {
        log.append('t3', record)
        throw new Error('rolled back')
      })(),
    ).toThrow('rolled back')
    log.forget()
    expect(head(db)).toEqual(last)
    expect(() => db.exec('UPDATE audit_head SET seq = 1')).toThrow(/only moves forward/)
    expect(() => db.exec('DELETE FROM audit_head')).toThrow(/append-only/)
    db.close()
  })

  it('is taken from the last entry when an older store is migrated', () => {
    const db = new Database(':memory:')
    // A store from before the recorded head: every migration up to the one that adds it.
    migrate(db, migrations.findIndex((sql) => sql.includes('CREATE TABLE audit_head')))
    const log = new AuditLog(db)
    for (const at of ['t1', 't2', 't3']) log.append(at, record)
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 3, isHeadRecorded: false })
    migrate(db)
    expect(head(db)).toMatchObject({ seq: 3 })
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 3, isHeadRecorded: true, head: { seq: 3 } })
    db.close()
  })
})
