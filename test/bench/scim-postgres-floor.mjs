// The PostgreSQL twin of scim-write-floor.mjs, spawned by scim-postgres.bench.mjs: the most each hot SCIM route can
// reach on this machine against PostgreSQL, whatever rolecall's code around it. A bare node:http server and the
// `postgres` driver run, per request, the statements rolecall's PostgreSQL store runs for it, in as many round
// trips, and nothing else (no SCIM parsing beyond the one field needed, no routing, logging, metrics or caches):
//   GET /scim/v2/Users/{id}                 the user row (1 round trip; SCIM returns a user's groups only when asked)
//   GET /scim/v2/Users?filter=userName eq   the same by userName (1 round trip)
//   PATCH /scim/v2/Groups/{id}              BEGIN, the head lock and the group row; the member insert; the counters,
//                                           the version, the audit entry, the notice and COMMIT (3 round trips)
//   POST /scim/v2/Users                     BEGIN and the head lock; the insert, the counters, the audit entry, the
//                                           notice and COMMIT (2 round trips)
// Reads go to the database every time: rolecall's user cache answers most of them without (it runs at most the
// same statements). Audit entries are hashed as rolecall hashes them, so that rolecall serving the same database
// next finds its chain whole.
//   node test/bench/scim-postgres-floor.mjs URL TOKEN
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import postgres from 'postgres'
import { repoRoot, serveBare } from './lib.mjs'

const [url, token] = process.argv.slice(2)
const dist = (path) => import(join(repoRoot, 'dist', path))
const { auditValues, digest, entryHash } = await dist('store/audit-chain.js')
const { listStatements } = await dist('store/postgres/lists.js')
const { resourceColumns } = await dist('store/postgres/rows.js')

const sql = postgres(url, { max: 10, fetch_types: false, onnotice: () => {}, connection: { application_name: 'rolecall-floor', TimeZone: 'UTC' } })
const run = (connection, text, params = []) => connection.unsafe(text, params, { prepare: true })

const userById = `SELECT ${resourceColumns} FROM users r WHERE r.id = $1 AND r.connection = $2`
const byName = listStatements('users', 'okta', { filter: { kind: 'compare', op: 'eq', attr: { name: 'userName' }, value: 'x' }, count: 100, startIndex: 1 }, false).page.text
const lockHead = 'SELECT revision, audit_seq, audit_hash, group_fields FROM store_head WHERE id = 1 FOR UPDATE'
const groupById = `SELECT ${resourceColumns} FROM groups r WHERE r.id = $1 AND r.connection = $2`
const addMembers = `WITH wanted AS (SELECT id, min(n) AS n FROM unnest($2::text[]) WITH ORDINALITY AS w(id, n) GROUP BY id),
  found AS (SELECT u.rid, u.id, w.n FROM wanted w JOIN users u ON u.id = w.id AND u.connection = $3),
  ok AS (SELECT (SELECT count(*) FROM found) = (SELECT count(*) FROM wanted) AS all_found),
  added AS (INSERT INTO memberships (group_rid, user_rid) SELECT $1, f.rid FROM found f, ok WHERE ok.all_found ON CONFLICT DO NOTHING RETURNING user_rid)
  SELECT (SELECT w.id FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.id = w.id) ORDER BY w.n LIMIT 1) AS unknown,
    coalesce((SELECT array_agg(f.id ORDER BY f.n) FROM added a JOIN found f ON f.rid = a.user_rid), '{}') AS ids`
const bumpGroup = 'UPDATE groups SET last_modified = $1, version = $2 WHERE rid = $3'
const insertUser = `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)`
const insertAudit = `INSERT INTO audit (seq, at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
const origin = randomUUID()

/** A write as rolecall's store makes it: `work` gets the head and the first read, and returns its statements and audit record. */
async function write(first, work) {
  const connection = await sql.reserve()
  try {
    const [, [head], firstRows] = await Promise.all([run(connection, 'BEGIN'), run(connection, lockHead), first === undefined ? [] : run(connection, first.text, first.params)])
    const at = new Date().toISOString()
    const { statements, record, result } = await work(connection, firstRows[0], at)
    const seq = Number(head.audit_seq) + 1
    const revision = Number(head.revision) + 1
    const hash = entryHash(head.audit_hash, { seq, at, ...record })
    const notice = JSON.stringify({ o: origin, a: seq - 1, s: seq, f: revision - 1, r: revision, ...record.touched })
    delete record.touched
    await Promise.all([
      run(connection, `UPDATE store_head SET revision = ${revision} WHERE id = 1`),
      ...statements.map(([text, params]) => run(connection, text, params)),
      run(connection, insertAudit, auditValues(seq, at, record, head.audit_hash, hash)),
      run(connection, "SELECT pg_notify('rolecall_changes', $1)", [notice]),
      run(connection, 'COMMIT'),
    ])
    return result
  } catch (error) {
    await run(connection, 'ROLLBACK').catch(() => {})
    throw error
  } finally {
    connection.release()
  }
}

const routes = {
  async getUser(id) {
    const [row] = await run(sql, userById, [id, 'okta'])
    return row === undefined ? [404, ''] : [200, row.doc]
  },
  async findUser(userName) {
    const [row] = await run(sql, byName, ['okta', userName.toLowerCase()])
    return [200, row === undefined ? '{"totalResults":0}' : row.doc]
  },
  patchGroup(id, body) {
    const userId = JSON.parse(body).Operations[0].value[0].value
    return write({ text: groupById, params: [id, 'okta'] }, async (connection, group, at) => {
      const [added] = await run(connection, addMembers, [group.rid, [userId], 'okta'])
      const docDigest = digest(JSON.parse(group.doc))
      const detail = { added: added.ids.length, removed: 0, ...(added.ids.length > 0 ? { addedIds: added.ids } : {}) }
      const record = { actor: 'scim:okta', connection: 'okta', action: 'group.modify', resourceType: 'Group', resourceId: id, beforeDigest: docDigest, afterDigest: docDigest, detail, touched: { i: added.ids, n: [] } }
      return { statements: [[bumpGroup, [at, group.version + 1, group.rid]]], record, result: [204, '', { etag: `W/"${group.version + 1}"` }] }
    })
  },
  createUser(body) {
    const doc = JSON.parse(body)
    const id = randomUUID()
    return write(undefined, (connection, _none, at) => {
      const values = [id, 'okta', doc.userName, doc.userName.toLowerCase(), doc.externalId ?? null, doc.active === true, doc.displayName ?? null, JSON.stringify(doc), at]
      const record = { actor: 'scim:okta', connection: 'okta', action: 'user.create', resourceType: 'User', resourceId: id, beforeDigest: null, afterDigest: digest(doc), detail: null, touched: { i: [id], n: [doc.userName.toLowerCase()] } }
      return { statements: [[insertUser, values]], record, result: [201, JSON.stringify({ ...doc, id })] }
    })
  },
}

const usersPath = '/scim/v2/Users'
const groupsPath = '/scim/v2/Groups/'
function route(method, target, body) {
  if (method === 'GET' && target.startsWith(`${usersPath}/`)) return routes.getUser(target.slice(usersPath.length + 1))
  if (method === 'GET' && target.startsWith(`${usersPath}?`)) {
    const filter = new URLSearchParams(target.slice(usersPath.length + 1)).get('filter') ?? ''
    return routes.findUser(filter.slice(filter.indexOf('"') + 1, -1))
  }
  if (method === 'PATCH' && target.startsWith(groupsPath)) return routes.patchGroup(target.slice(groupsPath.length), body)
  if (method === 'POST' && target === usersPath) return routes.createUser(body)
  return Promise.resolve([404, ''])
}

await serveBare(token, (request, body, response) => {
  route(request.method, request.url, body).then(
    ([status, text, headers = {}]) => {
      response.writeHead(status, status === 204 ? headers : { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(text), ...headers })
      response.end(text)
    },
    (error) => {
      process.stderr.write(`floor: ${error.message}\n`)
      response.writeHead(500)
      response.end()
    },
  )
})
process.on('SIGTERM', () => sql.end({ timeout: 1 }).finally(() => process.exit(0)))
