// The Who-can page with more people than a page holds: a hundred a page in the engine's order, the total, the last
// page, and a page past the end answered with a 404 that links to the last page.
import { beforeAll, describe, expect, it } from 'vitest'
import { answerWhoCan, appliedAccess } from '../../src/server/applied-access.js'
import { createServerApp } from '../../src/server/app.js'
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { signIn } from '../helpers/explorer.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { testStore } from '../helpers/test-store.js'

const write = { actor: 'scim:okta' }
const people = 250
const ask = { action: 'view', resource: 'service:payments/payments-api', env: 'production' }
const question = `/who-can?${new URLSearchParams(ask).toString()}`

let session: Awaited<ReturnType<typeof signIn>>
let expected: { user: string; reasons: string[] }[]

beforeAll(async () => {
  const store: Store = await testStore(() => fixtureNow)
  const ids: string[] = []
  for (let n = 0; n < people; n++) {
    const userName = `support-${String(n).padStart(3, '0')}@acme.example`
    ids.push((await store.createUser('okta', { userName, emails: [{ value: userName, primary: true }], active: true }, write)).id)
  }
  await store.createGroup('okta', { displayName: 'support-tier-2' }, ids, write)
  await applyExampleAccess(store)
  const { app } = createServerApp({ store, clock: () => fixtureNow })
  session = await signIn(app.request, (await store.createAdminToken(['view'], 'auditor')).token)
  const live = await appliedAccess(store, fixtureNow)
  if (live === undefined) throw new Error('nothing applied')
  const answer = answerWhoCan(live, ask, fixtureNow)
  if ('error' in answer) throw new Error(answer.error)
  expected = answer.users
})

async function page(path: string, status = 200): Promise<string> {
  const response = await session.get(path)
  expect(response.status, path).toBe(status)
  return response.text()
}

/** The people a page lists, with the chains under each, as text. */
function listed(html: string): { user: string; reasons: string[] }[] {
  const people = [...html.matchAll(/<li><a href="\/people\/[^"]+">([^<]+)<\/a><ul>(.*?)<\/ul><\/li>/g)]
  return people.map((match) => ({ user: match[1] ?? '', reasons: [...(match[2] ?? '').matchAll(/<li>via (.*?)<\/li>/g)].map((reason) => (reason[1] ?? '').replaceAll('&quot;', '"')) }))
}

describe('the Who-can page, paged', () => {
  it('lists a hundred people a page, in the order and with the chains of the whole answer, and counts them all', async () => {
    // Our 250, and the people the example organization's apply provisions who may view too.
    expect(expected.length).toBeGreaterThanOrEqual(people)
    expect(expected.length).toBeLessThanOrEqual(300)
    const total = String(expected.length)
    const first = await page(question)
    expect(first).toContain(`${total} people can (applied revision r1). Showing 1–100 of ${total}.`)
    expect(first).toContain(`Page 1 of 3 (${total} in all)`)
    expect(first).toMatch(/<a href="\/who-can\?[^"]*page=2">Next →<\/a>/)
    expect(first).not.toContain('Previous')
    const second = await page(`${question}&page=2`)
    expect(second).toContain(`Showing 101–200 of ${total}.`)
    expect(second).toMatch(/<a href="\/who-can\?(?![^"]*page=)[^"]*">← Previous<\/a>/)
    const last = await page(`${question}&page=3`)
    expect(last).toContain(`Showing 201–${total} of ${total}.`)
    expect(last).toContain('Page 3 of 3')
    expect(last).not.toContain('Next →')
    const shown = [first, second, last].flatMap(listed)
    expect(shown).toEqual(expected.map(({ user, reasons }) => ({ user, reasons })))
  })

  it('answers a page past the end with a 404 that names the last page, and lists nobody', async () => {
    const past = await page(`${question}&page=4`, 404)
    expect(past).toContain('There is no page 4: the answer has 3.')
    expect(past).toMatch(/<a href="\/who-can\?[^"]*page=3">The last page<\/a>/)
    expect(listed(past)).toEqual([])
  })
})
