// The check API's provenance (where an answer comes from) and freshness (`atLeast`), on the store backend under test.
import { beforeAll, describe, expect, it } from 'vitest'
import { createApiApp } from '../../src/server/api.js'
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { addMembers, provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture, type ScimClient } from '../helpers/scim.js'

let store: Store
let okta: ScimClient
let checkToken: string
let app: ReturnType<typeof createApiApp>
const ids: Record<string, string> = {}

beforeAll(async () => {
  const fixture = await scimFixture(['okta'])
  store = fixture.store
  okta = fixture.client
  for (const name of ['sam', 'sasha']) ids[name] = await provisionUser(okta, `${name}@acme.example`)
  ids.support = await provisionGroup(okta, 'support-tier-2', [ids.sam ?? ''])
  ids.security = await provisionGroup(okta, 'security-admins', [])
  // Added before the apply: one after it would be held for review (the IdP change guard), not allowed.
  await addMembers(okta, ids.security ?? '', [ids.sasha ?? ''])
  await applyExampleAccess(store)
  checkToken = (await store.createAdminToken(['check'], 'storefront')).token
  app = createApiApp({ store, clock: () => fixtureNow })
})

async function check(body: unknown) {
  const response = await app.request('http://localhost/api/v1/check', {
    method: 'POST',
    headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

async function auditEntry(action: string, resourceId: string) {
  const entries: { seq: number; at: string; actor: string; action: string; resourceId: string | null }[] = []
  await store.exportAudit((entry) => entries.push(entry))
  const found = entries.filter((entry) => entry.action === action && entry.resourceId === resourceId).at(-1)
  if (found === undefined) throw new Error(`no ${action} of ${resourceId}`)
  return found
}

describe('check provenance', () => {
  it('leaves provenance out unless asked for', async () => {
    const answer = await check({ user: 'sasha@acme.example', permission: 'sso:manage', authMethod: 'sso' })
    expect(answer.status).toBe(200)
    expect(answer.body).not.toHaveProperty('provenance')
  })

  it('names the applied revision, the SCIM write that made the membership and the store revision', async () => {
    const answer = await check({ user: 'sasha@acme.example', permission: 'sso:manage', authMethod: 'sso', provenance: true })
    expect(answer.status).toBe(200)
    expect(answer.body.allowed).toBe(true)
    const write = await auditEntry('group.modify', ids.security ?? '')
    const applied = (await store.appliedState())?.revision
    expect(answer.body.provenance).toEqual({
      storeRevision: await store.revision(),
      applied: { revision: 'r1', appliedAt: applied?.appliedAt, commit: null, author: null, approvedBy: applied?.approvedBy, pullRequest: null, verifiedApprovers: null },
      memberships: [{ connection: 'okta', group: 'security-admins', user: 'sasha@acme.example', auditSeq: write.seq, at: write.at, actor: write.actor }],
    })
  })

  it('names the write that created the group for a member it was created with, and no membership for a denial', async () => {
    const allowed = await check({ user: 'sam@acme.example', action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production', provenance: true })
    const created = await auditEntry('group.create', ids.support ?? '')
    expect((allowed.body.provenance as { memberships: unknown[] }).memberships).toEqual([{ connection: 'okta', group: 'support-tier-2', user: 'sam@acme.example', auditSeq: created.seq, at: created.at, actor: created.actor }])
    const denied = await check({ user: 'sam@acme.example', permission: 'sso:manage', provenance: true })
    expect(denied.body.allowed).toBe(false)
    expect((denied.body.provenance as { memberships: unknown[] }).memberships).toEqual([])
  })

  it('refuses a provenance that is not a boolean', async () => {
    const answer = await check({ user: 'sam@acme.example', permission: 'sso:manage', provenance: 'yes' })
    expect(answer).toMatchObject({ status: 400, body: { error: '`provenance` must be true or false' } })
  })
})

describe('check freshness (atLeast)', () => {
  it('answers at once for a revision the store has reached, reflecting the writes up to it', async () => {
    const ann = await provisionUser(okta, 'ann@acme.example')
    await addMembers(okta, ids.security ?? '', [ann])
    const revision = await store.revision()
    const answer = await check({ user: 'ann@acme.example', permission: 'sso:manage', authMethod: 'sso', atLeast: revision, provenance: true })
    expect(answer.status).toBe(200)
    // The write is reflected: ann's new critical access is held for review (the IdP change guard), and says so.
    expect(answer.body.allowed).toBe(false)
    expect(answer.body.held).toMatchObject([{ trigger: 'membership', group: 'security-admins', risk: 'critical' }])
    expect((answer.body.provenance as { storeRevision: number }).storeRevision).toBeGreaterThanOrEqual(revision)
  })

  it('answers 409 with the revision the store is at for one it has not reached', async () => {
    const revision = await store.revision()
    const answer = await check({ user: 'sam@acme.example', permission: 'sso:manage', atLeast: revision + 5 })
    expect(answer.status).toBe(409)
    expect(answer.headers.get('retry-after')).toBe('1')
    expect(answer.body).toEqual({
      error: `the store has not reached revision ${revision + 5} (it is at ${revision}); ask again once the write you were told of has committed`,
      kind: 'behind',
      atLeast: revision + 5,
      storeRevision: revision,
    })
  })

  it.each([[-1], [1.5], ['3']])('refuses atLeast %j', async (atLeast) => {
    const answer = await check({ user: 'sam@acme.example', permission: 'sso:manage', atLeast })
    expect(answer).toMatchObject({ status: 400, body: { error: '`atLeast` must be a store revision: a whole number, 0 or more' } })
  })
})
