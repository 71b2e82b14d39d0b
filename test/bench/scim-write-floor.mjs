// Measuring aid (not run by `npm run bench`): the most a member-adding PATCH can reach on this machine, whatever
// rolecall's code around it. A bare node:http server does what such a PATCH must do and nothing else: take the
// token, parse the body, run the statements the store runs for it (the group's row, the user's rid, the
// membership, the group's version, the store revision, the hash-chained audit entry), group-commit, fdatasync the
// WAL before answering 204 with the ETag. No SCIM parsing, routing, logging or metrics. It runs once with
// SQLite on the serving thread, as rolecall does, and once with SQLite in a worker thread; both against the
// benchmark's 100,000-user store, next to the Hono hello-world, as scim-server.bench.mjs measures.
//   node test/bench/scim-write-floor.mjs
import { createHash } from 'node:crypto'
import { copyFileSync, fdatasync, openSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { repoRoot, serveBare } from './lib.mjs'
import { measure, startProcess, stopProcess } from './load.mjs'

const self = fileURLToPath(import.meta.url)

/** The writer: one PATCH's statements in a savepoint of an open batch; `acknowledge` gets each batch once synced. */
function writer(path, acknowledge) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('cache_size = -65536')
  db.pragma('mmap_size = 1073741824')
  db.pragma('foreign_keys = ON')
  const run = (sql) => db.prepare(sql)
  const [begin, commit, savepoint, release] = ['BEGIN IMMEDIATE', 'COMMIT', 'SAVEPOINT w', 'RELEASE w'].map(run)
  const groupRow = run('SELECT rid, version, doc FROM groups WHERE id = ? AND connection = ?')
  const userRid = run('SELECT rid FROM users WHERE id = ? AND connection = ?')
  const addMember = run('INSERT OR IGNORE INTO memberships (group_rid, user_rid) VALUES (?, ?)')
  const bumpGroup = run('UPDATE groups SET last_modified = ?, version = ? WHERE rid = ?')
  const bumpRevision = run(`UPDATE state SET value = value + 1 WHERE key = 'revision'`)
  const audit = run('INSERT INTO audit (at, actor, connection, action, resource_type, resource_id, before_digest, after_digest, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  let prevHash = run('SELECT hash FROM audit ORDER BY seq DESC LIMIT 1').get().hash
  const wal = openSync(`${path}-wal`, 'r')
  let isOpen = false
  let isSyncing = false
  let isScheduled = false
  let done = []
  const sha256 = (text) => createHash('sha256').update(text).digest('hex')
  const flush = () => {
    if (!isOpen) return
    commit.run()
    isOpen = false
    const batch = done
    done = []
    isSyncing = true
    fdatasync(wal, () => {
      isSyncing = false
      acknowledge(batch)
      if (isOpen) schedule()
    })
  }
  const schedule = () => {
    if (isScheduled) return
    isScheduled = true
    setImmediate(() => {
      isScheduled = false
      if (!isSyncing) flush()
    })
  }
  return ({ seq, groupId, userId }) => {
    if (!isOpen) {
      begin.run()
      isOpen = true
      if (!isSyncing) schedule()
    }
    savepoint.run()
    const group = groupRow.get(groupId, 'okta')
    const user = userRid.get(userId, 'okta')
    const at = new Date().toISOString()
    bumpGroup.run(at, group.version + 1, group.rid)
    addMember.run(group.rid, user.rid)
    bumpRevision.run()
    const detail = JSON.stringify({ added: 1, addedIds: [userId], removed: 0 })
    const docDigest = sha256(group.doc)
    const hash = sha256(`${prevHash}\n${at}${detail}${docDigest}`)
    audit.run(at, 'scim:okta', 'okta', 'group.modify', 'Group', groupId, docDigest, docDigest, detail, prevHash, hash)
    prevHash = hash
    release.run()
    done.push({ seq, version: group.version + 1 })
  }
}

/** The server: `--serve DB inline|thread TOKEN`. */
async function serve([path, mode, token]) {
  const waiting = new Map()
  let next = 0
  const acknowledge = (batch) => {
    for (const { seq, version } of batch) {
      const response = waiting.get(seq)
      waiting.delete(seq)
      response.writeHead(204, { etag: `W/"${version}"` })
      response.end()
    }
  }
  let write
  if (mode === 'thread') {
    const thread = new Worker(self, { workerData: { path } })
    thread.on('message', acknowledge)
    write = (message) => thread.postMessage(message)
  } else {
    write = writer(path, acknowledge)
  }
  await serveBare(token, (request, body, response) => {
    const seq = next++
    waiting.set(seq, response)
    write({ seq, groupId: request.url.slice('/scim/v2/Groups/'.length), userId: JSON.parse(body).Operations[0].value[0].value })
  })
  process.on('SIGTERM', () => process.exit(0))
}

if (!isMainThread) {
  const write = writer(workerData.path, (batch) => parentPort.postMessage(batch))
  parentPort.on('message', write)
} else if (process.argv[2] === '--serve') {
  await serve(process.argv.slice(3))
} else {
  const { seededDatabase, sizes } = await import('./scim-seed.mjs')
  const seed = await seededDatabase()
  const options = { duration: Number(process.env.SECONDS ?? 6) }
  const hello = await startProcess([join(repoRoot, 'test/bench/scim-hello.mjs')])
  const baseline = await measure('hello world', { url: `${hello.url}/` }, options)
  await stopProcess(hello)
  console.log(`hello world                  ${Math.round(baseline.rps)} req/s`)
  const candidates = seed.userIds.slice(sizes.bigGroup)
  for (const mode of ['inline', 'thread']) {
    const db = join(repoRoot, 'bench-out', 'scim', 'floor.db')
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true })
    copyFileSync(seed.db, db)
    const server = await startProcess([self, '--serve', db, mode, seed.token])
    let client = 0
    const headers = { authorization: `Bearer ${seed.token}`, 'content-type': 'application/scim+json' }
    const body = (id) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })
    const setupClient = (c) => {
      const i = client++
      c.setRequests(Array.from({ length: 500 }, (_, k) => ({ method: 'PATCH', path: `/scim/v2/Groups/${seed.bigGroupId}`, headers, body: body(candidates[(i * 500 + k) % candidates.length]) })))
    }
    const result = await measure(mode, { url: server.url, setupClient }, options)
    await stopProcess(server)
    const label = mode === 'inline' ? 'bare PATCH, SQLite inline' : 'bare PATCH, SQLite in thread'
    console.log(`${label.padEnd(28)} ${Math.round(result.rps)} req/s  ${((100 * result.rps) / baseline.rps).toFixed(0)}% of hello world  p99 ${result.p99} ms  non-2xx ${result.bad}`)
  }
}
