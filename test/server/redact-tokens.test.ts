// Tokens pasted into a URL never reach the request log: the logged path has them redacted.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { redactTokens } from '../../src/server/redact-tokens.js'
import { testStore } from '../helpers/test-store.js'

describe('redactTokens', () => {
  const scim = `rcs_${'A1b2_C3-d4'.repeat(4)}xyz`
  const admin = `rca_${'Zz9-_yY8'.repeat(5)}abc`

  it.each([
    [`/${scim}`, '/rcs_…redacted'],
    [`/scim/v2/${scim}/Users`, '/scim/v2/rcs_…redacted/Users'],
    [`/api/v1/users/${admin}/access`, '/api/v1/users/rca_…redacted/access'],
    [`/api/v1/${admin}${scim}`, '/api/v1/rca_…redacted'],
    [`/a/${scim}/b/${admin}`, '/a/rcs_…redacted/b/rca_…redacted'],
    // Truncated, or with its underscore still escaped (Hono leaves a path with a malformed escape as sent).
    ['/scim/v2/rcs_abc', '/scim/v2/rcs_…redacted'],
    [`/scim/v2/rcs%5F${scim.slice(4)}/%zz`, '/scim/v2/rcs_…redacted/%zz'],
    // Upper-cased on the way (a proxy, a copy): the secret part is still the secret.
    [`/scim/v2/Users/${scim.toUpperCase()}`, '/scim/v2/Users/RCS_…redacted'],
  ])('redacts %s', (path, expected) => {
    expect(redactTokens(path)).toBe(expected)
  })

  it.each(['/scim/v2/Users', '/scim/v2/Users/.search', '/api/v1/check', '/scim/v2/Users/rcs_', '/healthz'])('leaves %s alone', (path) => {
    expect(redactTokens(path)).toBe(path)
  })
})

describe('the request log', () => {
  it('never holds a token that a client put in the path', async () => {
    const store = await testStore()
    const scimToken = (await store.createToken('okta')).token
    const adminToken = (await store.createAdminToken(['check'])).token
    const lines: string[] = []
    const { app } = createServerApp({ store, logger: pino({}, { write: (line: string) => void lines.push(line) }) })
    const paths = [`/${scimToken}`, `/scim/v2/${scimToken}`, `/api/v1/${adminToken}`, `/scim/v2/Users/${scimToken}`, `/api/v1/users/${adminToken}/access`]
    for (const path of paths) await app.request(`http://localhost${path}`, { headers: { authorization: `Bearer ${path.includes('scim') ? scimToken : adminToken}` } })
    const logged = lines.map((line) => (JSON.parse(line) as { path: string }).path)
    expect(logged).toEqual(['/rcs_…redacted', '/scim/v2/rcs_…redacted', '/api/v1/rca_…redacted', '/scim/v2/Users/rcs_…redacted', '/api/v1/users/rca_…redacted/access'])
    for (const token of [scimToken, adminToken]) expect(lines.join('\n')).not.toContain(token.slice(4))
  })
})
