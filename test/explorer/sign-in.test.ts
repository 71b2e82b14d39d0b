import { describe, expect, it } from 'vitest'
import { StoreUnavailableError } from '../../src/errors.js'
import { pageErrors } from '../../src/explorer/errors.js'
import { createServerApp } from '../../src/server/app.js'
import { jsonErrors } from '../../src/server/json-errors.js'
import { cookiePair, csrfOf, postForm, signIn, submitSignIn } from '../helpers/explorer.js'
import { faultyStore, testStore } from '../helpers/test-store.js'

async function setup(options: { trustProxy?: boolean } = {}) {
  let now = new Date('2026-03-01T09:00:00Z')
  const clock = () => now
  const store = await testStore()
  const { app, sessions } = createServerApp({ store, clock, explorer: { trustProxy: options.trustProxy === true, sessions: { idleMs: 60_000, absoluteMs: 600_000 } } })
  return { store, app, sessions, advance: (ms: number) => (now = new Date(now.getTime() + ms)) }
}

describe('explorer sign-in', () => {
  it('sends a stranger to the sign-in page, keeping where they were going', async () => {
    const { app } = await setup()
    const response = await app.request('/people?q=ann')
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/sign-in?next=%2Fpeople%3Fq%3Dann')
    const form = await app.request('/sign-in?next=%2Fpeople%3Fq%3Dann')
    expect(form.status).toBe(200)
    const html = await form.text()
    expect(html).toContain('name="next" value="/people?q=ann"')
    expect(form.headers.get('set-cookie')).toMatch(/^rolecall_sign_in=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/)
  })

  it('opens a server-side session for a view token: an HttpOnly, SameSite=Strict cookie, not Secure over plain HTTP', async () => {
    const { store, app, sessions } = await setup()
    const { token } = await store.createAdminToken(['view'], 'auditor')
    const response = await submitSignIn(app.request, token)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/')
    expect(response.headers.get('set-cookie')).toMatch(/^rolecall_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
    expect(sessions.size).toBe(1)
    const page = await app.request('/', { headers: { cookie: cookiePair(response) } })
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/Signed in as <strong>auditor \(adm_[0-9a-f]+\)<\/strong>/)
  })

  it('marks the cookie Secure behind --trust-proxy and over HTTPS', async () => {
    const { store, app } = await setup({ trustProxy: true })
    const { token } = await store.createAdminToken(['view'])
    expect((await submitSignIn(app.request, token)).headers.get('set-cookie')).toMatch(/; Secure$/)
    const plain = await setup()
    const other = await plain.store.createAdminToken(['view'])
    const form = await plain.app.request('https://rolecall.example/sign-in')
    const response = await plain.app.request('https://rolecall.example/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiePair(form) },
      body: new URLSearchParams({ csrf: csrfOf(await form.text()), token: other.token }).toString(),
    })
    expect(response.headers.get('set-cookie')).toMatch(/; Secure$/)
  })

  it.each([
    ['check', 403, 'lacks the &quot;view&quot; scope'],
    ['plan,apply', 403, 'lacks the &quot;view&quot; scope'],
  ])('refuses a %s token: %i, and no session', async (scopes, status, message) => {
    const { store, app, sessions } = await setup()
    const { token } = await store.createAdminToken(scopes.split(',') as ('check' | 'plan' | 'apply')[])
    const response = await submitSignIn(app.request, token)
    expect(response.status).toBe(status)
    expect(response.headers.get('set-cookie')).not.toMatch(/rolecall_session/)
    expect(await response.text()).toContain(message)
    expect(sessions.size).toBe(0)
  })

  it('refuses a SCIM token and a made-up one as not admin tokens', async () => {
    const { store, app } = await setup()
    const scim = await store.createToken('okta')
    for (const token of [scim.token, 'rca_nothing']) {
      const response = await submitSignIn(app.request, token)
      expect(response.status).toBe(401)
      expect(await response.text()).toContain('not a valid admin token')
    }
  })

  it('refuses a sign-in without the form token (CSRF) or from another origin', async () => {
    const { store, app } = await setup()
    const { token } = await store.createAdminToken(['view'])
    const form = await app.request('/sign-in')
    const csrf = csrfOf(await form.text())
    expect((await postForm(app.request, '/sign-in', { token }, cookiePair(form))).status).toBe(403)
    expect((await postForm(app.request, '/sign-in', { token, csrf: 'x'.repeat(43) }, cookiePair(form))).status).toBe(403)
    const foreign = await app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookiePair(form), origin: 'https://evil.example' },
      body: new URLSearchParams({ csrf, token }).toString(),
    })
    expect(foreign.status).toBe(403)
    expect((await postForm(app.request, '/sign-in', { token, csrf }, cookiePair(form))).status).toBe(303)
  })

  it('goes back only to a path of this site after sign-in', async () => {
    const { store, app } = await setup()
    const { token } = await store.createAdminToken(['view'])
    for (const [next, location] of [
      ['/people?q=a', '/people?q=a'],
      ['//evil.example/', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
    ] as const) {
      const form = await app.request('/sign-in')
      const response = await postForm(app.request, '/sign-in', { token, csrf: csrfOf(await form.text()), next }, cookiePair(form))
      expect(response.headers.get('location')).toBe(location)
    }
  })

  it('ends a session on sign-out, on the server: the old cookie no longer opens a page', async () => {
    const { store, app, sessions } = await setup()
    const { token } = await store.createAdminToken(['view'])
    const session = await signIn(app.request, token)
    const refused = await postForm(app.request, '/sign-out', { csrf: 'wrong' }, session.cookie)
    expect(refused.status).toBe(303)
    expect(sessions.size).toBe(1)
    const out = await postForm(app.request, '/sign-out', { csrf: await session.csrf() }, session.cookie)
    expect(out.headers.get('location')).toBe('/sign-in')
    expect(out.headers.get('set-cookie')).toMatch(/^rolecall_session=; .*Max-Age=0/)
    expect(sessions.size).toBe(0)
    expect((await session.get('/')).status).toBe(303)
  })

  it('ends a session after its idle time, and after its absolute time however busy', async () => {
    const { store, app, advance } = await setup()
    const { token } = await store.createAdminToken(['view'])
    const idle = await signIn(app.request, token)
    advance(59_000)
    expect((await idle.get('/')).status).toBe(200)
    advance(59_000)
    expect((await idle.get('/')).status).toBe(200)
    advance(60_000)
    expect((await idle.get('/')).status).toBe(303)
    const busy = await signIn(app.request, token)
    for (let minute = 0; minute < 10; minute++) {
      advance(59_000)
      expect((await busy.get('/')).status).toBe(200)
    }
    advance(59_000)
    expect((await busy.get('/')).status).toBe(303)
  })

  it('ends the sessions of a token once it is revoked', async () => {
    const { store, app, sessions } = await setup()
    const { token, info } = await store.createAdminToken(['view'])
    const session = await signIn(app.request, token)
    expect((await session.get('/')).status).toBe(200)
    await store.revokeAdminToken(info.id)
    expect((await session.get('/')).status).toBe(303)
    expect(sessions.size).toBe(0)
  })
})

describe('explorer headers and error pages', () => {
  it('sends a strict CSP with no inline script, no framing, no sniffing, no referrer and no caching on every page', async () => {
    const { store, app } = await setup()
    const { token } = await store.createAdminToken(['view'])
    const session = await signIn(app.request, token)
    for (const response of [await app.request('/sign-in'), await session.get('/'), await session.get('/no-such-page')]) {
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe-inline')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('same-origin')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)/)
    }
  })

  it('shows a 404 page to a browser and the plain 404 to other clients, neither saying more', async () => {
    const { app } = await setup()
    const page = await app.request('/nowhere/<b>x', { headers: { accept: 'text/html' } })
    expect(page.status).toBe(404)
    const html = await page.text()
    expect(html).toContain('<h1>Page not found</h1>')
    expect(html).not.toContain('nowhere')
    const plain = await app.request('/nowhere')
    expect(await plain.text()).toBe('404 Not Found')
  })

  it('shows an error page that says nothing of the failure, and logs it', async () => {
    const { store, fail } = faultyStore(await testStore())
    const { token } = await store.createAdminToken(['view'])
    const logged: unknown[] = []
    const { app } = createServerApp({ store, logger: { error: (entry: unknown) => logged.push(entry), info: () => undefined } as never })
    const session = await signIn(app.request, token)
    fail()
    const response = await session.get('/')
    expect(response.status).toBe(500)
    const html = await response.text()
    expect(html).toContain('<h1>Something went wrong</h1>')
    expect(html).not.toMatch(/TypeError|database|not open|sqlite/i)
    expect(logged).toHaveLength(1)
  })

  it('answers a store that is unavailable with a 503 page that says to try again', () => {
    const reply = pageErrors(jsonErrors(undefined, 'plain'), undefined).failure(new StoreUnavailableError('db.internal:5432 refused'), { requestId: 'req-1', header: () => undefined } as never)
    expect(reply.status).toBe(503)
    expect(reply.headers['retry-after']).toBe('1')
    expect(reply.body).toContain('Try again shortly')
    expect(reply.body).not.toContain('db.internal')
  })

  it('serves its stylesheet and script from the package, and nothing else under /assets', async () => {
    const { app } = await setup()
    const html = await (await app.request('/sign-in')).text()
    const css = /href="(\/assets\/explorer-[0-9a-f]{12}\.css)"/.exec(html)?.[1] ?? ''
    const js = /src="(\/assets\/explorer-[0-9a-f]{12}\.js)"/.exec(html)?.[1] ?? ''
    expect((await app.request(css)).headers.get('content-type')).toBe('text/css; charset=UTF-8')
    expect((await app.request(js)).headers.get('content-type')).toBe('text/javascript; charset=UTF-8')
    expect((await app.request('/assets/other.js')).status).toBe(404)
  })
})
