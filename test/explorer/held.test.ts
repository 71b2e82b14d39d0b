// A person's page lists the IdP changes held for them, apart from the access they hold.
import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { signIn } from '../helpers/explorer.js'
import { provisionExampleOrg } from '../helpers/example-org.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

describe('explorer: held IdP changes', () => {
  it("shows a held addition on the person's page, not as access", async () => {
    const store = await testStore(() => fixtureNow)
    await provisionExampleOrg(store)
    const nova = await store.createUser('okta', { userName: 'nova@acme.example' }, { actor: 'scim:okta' })
    const admins = (await store.listGroups('okta', { startIndex: 1, count: 100 }, false)).items.find((group) => group.doc['displayName'] === 'security-admins')
    await store.modifyGroup('okta', admins?.id ?? '', (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [nova.id] }] }), { actor: 'scim:okta' })
    const { app } = createServerApp({ store, clock: () => fixtureNow })
    const session = await signIn(app.request, (await store.createAdminToken(['view'], 'auditor')).token)
    const response = await session.get('/people/nova%40acme.example?connection=okta')
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('<h2>Held IdP changes</h2>')
    expect(html).toContain('nova@acme.example added to okta group security-admins')
    expect(html).not.toContain('Organization permissions')
  })
})
