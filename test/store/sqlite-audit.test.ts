import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { canonicalEntry, type AuditRecord } from '../../src/store/audit-chain.js'
import { AuditLog } from '../../src/store/sqlite/audit.js'
import { verifyAuditChain } from '../../src/store/sqlite/audit-verify.js'
import { canonicalJson } from '../../src/util/digest.js'
import { migrate } from '../../src/store/sqlite/migrations.js'

const record = (resourceId: string): AuditRecord => ({
  actor: 'scim:okta',
  connection: 'okta',
  action: 'group.modify',
  resourceType: 'Group',
  resourceId,
  beforeDigest: 'a'.repeat(64),
  afterDigest: null,
  detail: { removed: 0, added: 1, addedIds: [resourceId] },
})

describe('audit', () => {
  it.each([
    { seq: 1, at: '2026-01-01T00:00:00.000Z', ...record('g1') },
    { seq: 12, at: 'x', actor: 'cli', connection: null, action: 'apply', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null },
    { seq: 3, at: 'é"\\', actor: '\u2028', connection: 'ünï', action: 'a', resourceType: 'T', resourceId: '"', beforeDigest: null, afterDigest: 'b', detail: { z: [1, { b: 2, a: null }], a: 'x' } },
  ])('writes an entry as canonicalJson does', (entry) => {
    expect(canonicalEntry(entry)).toBe(canonicalJson(entry))
  })

  it('links each entry to the last one of its transaction, and to the table after a rollback', () => {
    const db = new Database(':memory:')
    migrate(db)
    const audit = new AuditLog(db)
    db.exec('BEGIN')
    audit.append('t1', record('a'))
    db.exec('SAVEPOINT write')
    audit.append('t2', record('b'))
    db.exec('ROLLBACK TO write')
    db.exec('RELEASE write')
    audit.forget()
    audit.append('t3', record('c'))
    db.exec('COMMIT')
    audit.forget()
    // Another connection appends between two batches.
    new AuditLog(db).append('t4', record('d'))
    audit.append('t5', record('e'))
    expect(verifyAuditChain(db)).toMatchObject({ ok: true, entries: 4, head: { seq: 4 } })
    expect((db.prepare('SELECT resource_id FROM audit ORDER BY seq').all() as { resource_id: string }[]).map((row) => row.resource_id)).toEqual(['a', 'c', 'd', 'e'])
    db.close()
  })
})
