import { beforeAll, describe, expect, it } from 'vitest'
import { holdingAnswer } from '../../src/engine/answers.js'
import { appliedAccess } from '../../src/server/applied-access.js'
import type { Store } from '../../src/store/store.js'
import { createServerApp } from '../../src/server/app.js'
import { postForm, signIn } from '../helpers/explorer.js'
import { markupName, provisionExampleOrg } from '../helpers/example-org.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

let session: Awaited<ReturnType<typeof signIn>>
let store: Store
let request: (path: string, init?: RequestInit) => Promise<Response>

beforeAll(async () => {
  store = await testStore(() => fixtureNow)
  await provisionExampleOrg(store)
  const { app } = createServerApp({ store, clock: () => fixtureNow })
  request = app.request
  session = await signIn(app.request, (await store.createAdminToken(['view'], 'auditor')).token)
})

async function page(path: string, status = 200): Promise<string> {
  const response = await session.get(path)
  expect(response.status, path).toBe(status)
  expect(response.headers.get('content-type')).toBe('text/html; charset=UTF-8')
  return response.text()
}

describe('explorer pages', () => {
  it('shows the overview: figures, access by risk as a chart, the last apply and the audit chain verified', async () => {
    const html = await page('/')
    expect(html).toContain('<h1>Overview</h1>')
    expect(html).toMatch(/<div class="figure">6<\/div><a href="\/people">people<\/a> \(1 deactivated\)/)
    expect(html).toMatch(/<svg class="risk-chart" role="img" aria-label="Access held, by risk: low \d+, medium \d+, high \d+, critical \d+"/)
    expect(html).toContain('<a href="/changes/r1">r1</a>')
    expect(html).toMatch(/Verified: \d+ entries/)
  })

  it('searches people by name and email across connections, paged', async () => {
    const all = await page('/people')
    expect(all).toContain('Page 1 of 1 (6 in all)')
    const found = await page('/people?q=casey+support')
    expect(found).toContain('<a href="/people/casey%40acme.example?connection=okta">casey@acme.example</a>')
    expect(found).toContain('(1 in all)')
    expect(await page('/people?q=nobody-at-all')).toContain('Nobody matches.')
  })

  it("shows a person's access by service with risk and the chain as text, drawn, and where each document is declared", async () => {
    const html = await page('/people/sasha%40acme.example?connection=okta')
    expect(html).toContain('<h1>sasha@acme.example through okta</h1>')
    expect(html).toContain('<h3>Organization permissions</h3>')
    expect(html).toContain('okta group &quot;security-admins&quot; → group &quot;Security Admins&quot; → role &quot;Security Admin&quot; → sso:manage')
    expect(html).toMatch(/<svg class="chain-diagram" role="img" aria-label="Chain 1"/)
    expect(html).toContain('declared in <code>access/security/groups.yaml</code>')
  })

  it('lists the same holdings, in the same words and order, as rolecall explain', async () => {
    const html = await page('/people/dana%40acme.example?connection=okta')
    const shown = [...html.matchAll(/<a href="#chain-\d+">([^<]+)<\/a>/g)].map((match) => (match[1] ?? '').replaceAll('&quot;', '"'))
    const live = await appliedAccess(store, fixtureNow)
    const dana = [...(live?.access.users.values() ?? [])].find((entry) => entry.user === 'dana@acme.example')
    const explained = (dana?.holdings ?? []).map((holding) => holdingAnswer(holding).chain)
    expect(explained.length).toBeGreaterThan(2)
    expect([...shown].sort()).toEqual([...explained].sort())
    expect(shown).toContain('grant "dana-checkout-3ds-staging-INC-4711" → grant edit auth-config:checkout/3ds-* in staging')
  })

  it('says a deactivated person holds nothing, and 404s a person nobody knows', async () => {
    expect(await page('/people/gone%40acme.example?connection=okta')).toContain('Deactivated: holds no access.')
    expect(await page('/people/nobody%40acme.example', 404)).toContain('Page not found')
  })

  it('answers who can, as rolecall who-can does, and says what is wrong with a question', async () => {
    const html = await page('/who-can?permission=sso%3Amanage')
    expect(html).toContain('4 people can (applied revision r1)')
    expect(html).toContain('<li>via okta group &quot;security-admins&quot; → group &quot;Security Admins&quot; → role &quot;Security Admin&quot; → sso:manage (when signed in with sso)</li>')
    expect(html).toContain('<a href="/people/sasha%40acme.example">sasha@acme.example</a>')
    // A hundred people a page, the question kept in the pages' links.
    expect(html).toContain('Page 1 of 1 (4 in all)')
    expect(html).not.toContain('Showing')
    expect(await page('/who-can?permission=sso%3Amanage&page=2', 404)).not.toContain('sasha@acme.example</a>')
    expect(await page('/who-can?permission=sso%3Amanag', 400)).toMatch(/unknown permission/i)
    expect(await page('/who-can')).toContain('Give an action and a resource, or a permission.')
  })

  it('prints a name that is markup as text', async () => {
    for (const path of ['/people?q=mallory', '/people/mallory%40acme.example?connection=okta']) {
      const html = await page(path)
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(html).not.toContain(markupName)
    }
  })

  it('keeps strangers out of every page', async () => {
    for (const path of ['/', '/people', '/people/sasha%40acme.example', '/who-can?permission=sso%3Amanage']) expect((await request(path)).status).toBe(303)
  })
})

describe('explorer records', () => {
  it("shows groups, a Group's source and what it carries, and its IdP group's members", async () => {
    const groups = await page('/groups')
    expect(groups).toContain('<a href="/groups/Security%20Admins">Security Admins</a>')
    // Listed a hundred at a time: the example's groups fit on one page, and a page past the last lists none.
    const count = Number(/Page 1 of 1 \((\d+) in all\)/.exec(groups)?.[1])
    expect(count).toBeGreaterThan(3)
    expect(count).toBe((groups.match(/<a href="\/groups\//g) ?? []).length)
    expect(await page('/groups?page=2')).not.toContain('<a href="/groups/')
    const group = await page('/groups/Security%20Admins')
    expect(group).toContain('From okta IdP group “security-admins”')
    expect(group).toContain('2 members provisioned.')
    const idp = /href="(\/idp-groups\/okta\/[^"]+)"/.exec(group)?.[1] ?? ''
    const members = await page(idp)
    expect(members).toContain('Mapped by: <a href="/groups/Security%20Admins">Security Admins</a>')
    const record = /href="(\/records\/okta\/[^"]+)">Sasha Security</.exec(members)?.[1] ?? ''
    expect((await session.get(record)).headers.get('location')).toBe('/people/sasha%40acme.example?connection=okta')
    expect(await page('/groups/Nope', 404)).toContain('Page not found')
  })

  it("shows a service's roles, team and holders", async () => {
    expect(await page('/services')).toContain('<a href="/services/checkout">checkout</a>')
    const html = await page('/services/checkout')
    expect(html).toContain('<h2>Holders (1)</h2>')
    expect(html).toContain('<a href="/people/dana%40acme.example">dana@acme.example</a>')
    expect(html).toContain('Page 1 of 1 (1 in all)')
    expect(await page('/services/checkout?page=2')).not.toContain('dana@acme.example</a>')
  })

  it('lists applied revisions and, for one, who gained what as the plan showed it', async () => {
    expect(await page('/changes')).toMatch(/<a href="\/changes\/r1">r1<\/a>/)
    const html = await page('/changes/r1')
    expect(html).toContain('<h1>Applied revision r1</h1>')
    expect(html).toContain('acme/security:a')
    expect(html).toMatch(/<a href="\/people\/sasha%40acme.example">sasha@acme.example<\/a><\/td><td>gained<\/td><td>sso:manage<\/td>/)
    expect(await page('/changes/r9', 404)).toContain('Page not found')
  })

  it('filters the audit log and downloads the same view as JSON lines', async () => {
    const all = await page('/audit')
    expect(all).toContain('The chain verifies')
    const filtered = await page('/audit?action=user.create&connection=okta')
    expect(filtered).toContain('Download these 6 entries as JSON lines')
    const download = await session.get('/audit.jsonl?action=user.create&connection=okta')
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="rolecall-audit.jsonl"')
    const lines = (await download.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; seq: number })
    expect(lines).toHaveLength(6)
    expect(lines.every((entry) => entry.action === 'user.create')).toBe(true)
    expect(lines.map((entry) => entry.seq)).toEqual([...lines.map((entry) => entry.seq)].sort((a, b) => a - b))
    expect(await page('/audit?actor=nobody')).toContain('Download these 0 entries')
  })

  it('shows connections with their base URL and tokens, and no token forms without the tokens scope', async () => {
    await store.createToken('okta')
    const html = await page('/connections')
    expect(html).toContain('<code>http://localhost/scim/v2</code>')
    expect(html).toMatch(/<code>rcs_[\w-]{4}…<\/code>/)
    expect(html).not.toContain('action="/connections/tokens"')
    const refused = await postForm(request, '/connections/tokens', { csrf: await session.csrf(), connection: 'okta' }, session.cookie)
    expect(refused.status).toBe(403)
  })

  it('creates a SCIM token shown once and revokes one, from CSRF-checked forms, audited with the signed-in person', async () => {
    const admin = await signIn(request, (await store.createAdminToken(['view', 'tokens'], 'idp-admin')).token)
    const form = await admin.get('/connections')
    expect(await form.text()).toContain('action="/connections/tokens"')
    expect((await postForm(request, '/connections/tokens', { csrf: 'forged', connection: 'okta' }, admin.cookie)).status).toBe(403)
    const created = await postForm(request, '/connections/tokens', { csrf: await admin.csrf(), connection: 'okta' }, admin.cookie)
    expect(created.status).toBe(200)
    const html = await created.text()
    const token = /<p id="new-token" class="secret">(rcs_[\w-]+)<\/p>/.exec(html)?.[1] ?? ''
    expect(await store.authenticate(token)).toBe('okta')
    expect(await (await admin.get('/connections')).text()).not.toContain(token)
    const id = (await store.listTokens()).find((info) => token.startsWith(info.hint.slice(0, -1)) && info.revokedAt === undefined)?.id ?? ''
    const revoked = await postForm(request, `/connections/tokens/${id}/revoke`, { csrf: await admin.csrf() }, admin.cookie)
    expect(await revoked.text()).toContain(`Revoked ${id}.`)
    expect(await store.authenticate(token)).toBeUndefined()
    const audit: { actor: string; action: string }[] = []
    await store.exportAudit((entry) => audit.push(entry))
    expect(audit.filter((entry) => entry.action.startsWith('token.')).slice(-2)).toEqual([
      expect.objectContaining({ action: 'token.create', actor: expect.stringMatching(/^explorer:idp-admin \(adm_/) }),
      expect.objectContaining({ action: 'token.revoke', actor: expect.stringMatching(/^explorer:idp-admin \(adm_/) }),
    ])
  })
})
