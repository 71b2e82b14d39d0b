import { beforeAll, describe, expect, it } from 'vitest'
import { holdingAnswer } from '../../src/engine/answers.js'
import { appliedAccess } from '../../src/server/applied-access.js'
import type { Store } from '../../src/store/store.js'
import { createServerApp } from '../../src/server/app.js'
import { signIn } from '../helpers/explorer.js'
import { markupName, provisionExampleOrg } from '../helpers/example-org.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { memoryStore } from '../helpers/memory-store.js'

let session: Awaited<ReturnType<typeof signIn>>
let store: Store
let request: (path: string, init?: RequestInit) => Promise<Response>

beforeAll(async () => {
  store = memoryStore(() => fixtureNow)
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
