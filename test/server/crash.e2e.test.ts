// SIGKILL during a burst of writes: every write that was acknowledged with a 2xx survives, and the audit chain verifies.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createToken, runCli, startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const dirs: string[] = []
const servers: RunningServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('crash safety', () => {
  it('keeps every acknowledged write across SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolecall-crash-'))
    dirs.push(dir)
    const db = await testDbLocation()
    const token = createToken(db, 'okta')
    const server = await startServer(db)
    servers.push(server)
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }
    const groupResponse = await fetch(`${server.url}/scim/v2/Groups`, { method: 'POST', headers, body: JSON.stringify({ displayName: 'burst' }) })
    const groupId = ((await groupResponse.json()) as { id: string }).id

    const acknowledgedUsers: string[] = []
    const acknowledgedMembers: string[] = []
    let isKilled = false
    const killAfter = 150
    const worker = async (w: number) => {
      for (let i = 0; !isKilled && i < 400; i++) {
        try {
          const userName = `w${w}-${i}@example.com`
          const response = await fetch(`${server.url}/scim/v2/Users`, { method: 'POST', headers, body: JSON.stringify({ userName }) })
          if (response.status !== 201) continue
          acknowledgedUsers.push(userName)
          const id = ((await response.json()) as { id: string }).id
          const patch = await fetch(`${server.url}/scim/v2/Groups/${groupId}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }),
          })
          if (patch.status === 204) acknowledgedMembers.push(id)
          if (!isKilled && acknowledgedUsers.length >= killAfter) {
            isKilled = true
            server.child.kill('SIGKILL')
          }
        } catch {
          // the server died under us: unacknowledged writes may or may not have landed
        }
      }
    }
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)))
    expect((await server.exited).signal).toBe('SIGKILL')
    expect(acknowledgedUsers.length).toBeGreaterThanOrEqual(killAfter)

    const store = await openTestStore(db)
    const snapshot = await store.snapshot()
    await store.close()
    const userNames = new Set(snapshot.users.map((user) => user.userName))
    expect(acknowledgedUsers.filter((userName) => !userNames.has(userName))).toEqual([])
    const members = new Set(snapshot.memberships.filter((membership) => membership.groupId === groupId).map((membership) => membership.userId))
    expect(acknowledgedMembers.filter((id) => !members.has(id))).toEqual([])
    const verified = runCli(['audit', 'verify', '--db', db])
    expect(verified.stdout, verified.stderr).toMatch(/^Audit chain intact/)
    expect(verified.status).toBe(0)
  })
})
