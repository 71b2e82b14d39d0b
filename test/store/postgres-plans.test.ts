// The SQL the hot SCIM reads compile to uses indexes on PostgreSQL: EXPLAIN shows no sequential scan of users,
// groups or memberships for userName, externalId and displayName look-ups, by id, or for a member's groups.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { PgCompiler } from '../../src/store/postgres/filter-sql.js'
import type { AttrRef, Filter } from '../../src/store/query.js'
import { freshDatabase } from '../helpers/postgres-db.js'

let url = ''
let store: PostgresStore
let sql: postgres.Sql

const attr = (name: string, caseExact = false): AttrRef => ({ name, type: 'string', caseExact, multiValued: false })
const eq = (name: string, value: string, caseExact = false): Filter => ({ kind: 'compare', attr: attr(name, caseExact), op: 'eq', value })

beforeAll(async () => {
  url = await freshDatabase()
  store = await openPostgresStore(url)
  sql = postgres(url, { max: 1, onnotice: () => undefined })
  // Enough rows that the planner prefers an index wherever one serves.
  await sql`INSERT INTO connections (name, created_at) VALUES ('okta', 't')`
  await sql`INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
    SELECT 'u' || g, 'okta', 'User' || g || '@example.com', 'user' || g || '@example.com', 'ext-' || g, true, 'User ' || g, '{}'::json, 't', 't', 1 FROM generate_series(1, 20000) g`
  await sql`INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version)
    SELECT 'g' || g, 'okta', 'Group ' || g, 'group ' || g, 'gext-' || g, '{}'::json, 't', 't', 1 FROM generate_series(1, 2000) g`
  await sql`INSERT INTO memberships (group_rid, user_rid) SELECT (u % 2000) + 1, u FROM generate_series(1, 20000) u`
  await sql`ANALYZE`
}, 60_000)

afterAll(async () => {
  await sql.end()
  await store.close()
})

async function plan(table: 'users' | 'groups', filter: Filter): Promise<string> {
  const params: (string | number | boolean | null)[] = ['okta']
  const where = new PgCompiler(table, params).compile(filter)
  const rows = await sql.unsafe(`EXPLAIN SELECT r.rid, r.doc FROM ${table} r WHERE r.connection = $1 AND (${where})`, params as string[])
  return rows.map((row) => String(row['QUERY PLAN'])).join('\n')
}

describe('postgres query plans', () => {
  it.each([
    ['users', eq('userName', 'User77@example.com'), 'users_user_name_'],
    ['users', eq('externalId', 'ext-77', true), 'users_external_id'],
    ['users', eq('id', 'u77', true), 'users_id_key'],
    ['groups', eq('displayName', 'GROUP 7'), 'groups_display_name_unique'],
    ['groups', eq('externalId', 'gext-7', true), 'groups_external_id'],
  ] as const)('%s where %o uses %s', async (table, filter, index) => {
    const text = await plan(table, filter)
    expect(text).toContain(index)
    expect(text).not.toMatch(/Seq Scan on (users|groups|memberships)/)
  })

  it('userName sw uses the unique key as a range', async () => {
    const text = await plan('users', { kind: 'compare', attr: attr('userName'), op: 'sw', value: 'user77' })
    expect(text).toContain('users_user_name_unique')
    expect(text).not.toMatch(/Seq Scan on users/)
  })

  it('a member look-up (groups with members[value eq …]) reads the membership index, not every membership', async () => {
    const filter: Filter = { kind: 'valuePath', attr: { name: 'members', type: 'complex', caseExact: false, multiValued: true }, filter: { kind: 'compare', attr: { name: 'value', type: 'string', caseExact: true, multiValued: false }, op: 'eq', value: 'u77' } }
    const text = await plan('groups', filter)
    expect(text).not.toMatch(/Seq Scan on (users|memberships)/)
    const groupsOfUser = await sql`EXPLAIN SELECT g.id FROM memberships m JOIN groups g ON g.rid = m.group_rid WHERE m.user_rid = 77`
    expect(groupsOfUser.map((row) => String(row['QUERY PLAN'])).join('\n')).toContain('memberships_user')
  })
})
