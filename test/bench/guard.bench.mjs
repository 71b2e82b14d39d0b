// The IdP change guard on the SCIM write path: member PATCHes (one member added per write, as IdPs send them) on
// a file store, timed in one run before anything is applied (the guard has nothing to judge) and after the
// example organization is applied, into a group whose access the policy lets through (the guard decides it) and
// into security-admins (held). Reports each as a ratio of the unguarded time: the machine is shared.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadAccessDir } from '../../dist/load/load-access.js'
import { stateDocuments } from '../../dist/model/documents.js'
import { openSqliteStore } from '../../dist/store/sqlite/sqlite-store.js'
import { repoRoot } from './lib.mjs'

const writes = 2000
const dir = mkdtempSync(join(tmpdir(), 'rolecall-guard-bench-'))
const store = openSqliteStore(join(dir, 'rolecall.db'), {})
const write = { actor: 'scim:okta' }
const users = []
for (let i = 0; i < 4 * writes; i++) users.push((await store.createUser('okta', { userName: `u${i}@acme.example` }, write)).id)
const groups = {}
for (const name of ['all-staff', 'support-tier-2', 'security-admins', 'unguarded-before']) groups[name] = (await store.createGroup('okta', { displayName: name }, [], write)).id

async function patches(group, ids) {
  const started = performance.now()
  // Concurrent, as an IdP's connections send them: the store commits them in groups.
  await Promise.all(ids.map((id) => store.modifyGroup('okta', group, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [id] }] }), write)))
  return (performance.now() - started) / ids.length
}

const before = await patches(groups['unguarded-before'], users.slice(0, writes))
const loaded = await loadAccessDir(join(repoRoot, 'access'), { cwd: repoRoot, now: new Date() })
await store.recordApply(
  { commit: null, author: null, approvedBy: [], planDigest: 'bench', desiredDigest: 'bench', directoryDigest: 'bench', summary: {}, documents: stateDocuments(loaded.state), directory: { users: [], groups: [], memberships: [] }, actor: 'bench' },
  () => undefined,
)
const unmapped = await patches(groups['all-staff'], users.slice(writes, 2 * writes))
const decided = await patches(groups['support-tier-2'], users.slice(2 * writes, 3 * writes))
const held = await patches(groups['security-admins'], users.slice(3 * writes, 4 * writes))
const holds = (await store.listHolds()).length
await store.close()
rmSync(dir, { recursive: true, force: true })
const line = (name, ms) => `  ${name.padEnd(52)} ${ms.toFixed(3)} ms/write  ×${(ms / before).toFixed(2)}`
console.log(`member PATCH, ${writes} writes each (ratios to the first line, same run):`)
console.log(line('nothing applied (no guard work)', before))
console.log(line('applied, unmapped group (all-staff)', unmapped))
console.log(line('applied, low/medium access let through (support-tier-2)', decided))
console.log(line(`applied, critical access held (security-admins, ${holds} holds)`, held))
