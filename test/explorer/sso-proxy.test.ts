import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { createServerApp } from '../../src/server/app.js'
import { resolveExplorerOptions } from '../../src/server/explorer-config.js'
import { testStore } from '../helpers/test-store.js'

describe('explorer behind an SSO proxy (--ui-user-header)', () => {
  it('signs in whoever the header names, says so on every page, and sends others to the token sign-in', async () => {
    const { app } = createServerApp({ store: await testStore(), explorer: { userHeader: 'x-forwarded-email' } })
    const page = await app.request('/', { headers: { 'x-forwarded-email': 'ann@acme.example' } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Signed in as <strong>ann@acme.example</strong>')
    expect(html).not.toContain('Sign out')
    expect((await app.request('/')).status).toBe(303)
  })

  it('refuses a proxied person a form that is not theirs, and the token forms for want of the tokens scope', async () => {
    const store = await testStore()
    await store.ensureConnection('okta')
    const { app } = createServerApp({ store, explorer: { userHeader: 'x-forwarded-email' } })
    const headers = { 'x-forwarded-email': 'ann@acme.example', 'content-type': 'application/x-www-form-urlencoded' }
    const page = await (await app.request('/connections', { headers })).text()
    expect(page).not.toContain('action="/connections/tokens"')
    const response = await app.request('/connections/tokens', { method: 'POST', headers, body: new URLSearchParams({ csrf: 'forged', connection: 'okta' }).toString() })
    expect(response.status).toBe(403)
    expect(await store.listTokens()).toEqual([])
  })

  it('is off by default, and refused unless the server binds to loopback or --trust-proxy is given', () => {
    expect(resolveExplorerOptions({}, {}, '0.0.0.0')).toEqual({ trustProxy: false })
    expect(resolveExplorerOptions({ 'ui-user-header': 'X-Forwarded-Email' }, {}, '127.0.0.1')).toEqual({ trustProxy: false, userHeader: 'x-forwarded-email' })
    expect(() => resolveExplorerOptions({ 'ui-user-header': 'X-Forwarded-Email' }, {}, '0.0.0.0')).toThrow(UsageError)
    expect(resolveExplorerOptions({}, { ROLECALL_UI_USER_HEADER: 'X-Email', ROLECALL_TRUST_PROXY: 'true' }, '0.0.0.0')).toEqual({ trustProxy: true, userHeader: 'x-email' })
    expect(() => resolveExplorerOptions({ 'ui-user-header': 'bad header' }, {}, '127.0.0.1')).toThrow(/header name/)
  })
})
