import { describe, expect, it } from 'vitest'
import { PathRouter } from '../../src/http/router.js'

describe('PathRouter', () => {
  const router = new PathRouter<string>()
  for (const pattern of ['/scim/v2/Users', '/scim/v2/Users/.search', '/scim/v2/Users/:id', '/scim/v2/Me/*', '/api/v1/users/:user/access', '/healthz']) router.add(pattern, pattern)

  it.each([
    ['/scim/v2/Users', '/scim/v2/Users', {}],
    ['/scim/v2/Users/.search', '/scim/v2/Users/.search', {}],
    ['/scim/v2/Users/abc', '/scim/v2/Users/:id', { id: 'abc' }],
    ['/scim/v2/Users/a%40b', '/scim/v2/Users/:id', { id: 'a%40b' }],
    ['/scim/v2/Me', '/scim/v2/Me/*', {}],
    ['/scim/v2/Me/x/y', '/scim/v2/Me/*', {}],
    ['/api/v1/users/sam%40acme.example/access', '/api/v1/users/:user/access', { user: 'sam%40acme.example' }],
  ])('matches %s to %s', (path, pattern, params) => {
    expect(router.match(path)).toEqual({ pattern, value: pattern, params })
  })

  it.each(['/scim/v2/Users/', '/scim/v2/Users/a/b', '/scim/v2', '/nowhere', 'healthz', '/healthz/', '/api/v1/users//access'])('matches nothing for %s', (path) => {
    expect(router.match(path)).toBeUndefined()
  })

  it('refuses a pattern added twice, and two parameter names at one place', () => {
    expect(() => router.add('/healthz', 'again')).toThrow('/healthz is added twice')
    expect(() => router.add('/scim/v2/Users/:name/x', 'x')).toThrow(':name where :id is')
  })
})
