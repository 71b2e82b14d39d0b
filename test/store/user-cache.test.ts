import { describe, expect, it } from 'vitest'
import { UserCache } from '../../src/store/cache/user-cache.js'
import type { StoredUser } from '../../src/store/store.js'

const user: StoredUser = { id: 'u1', connection: 'okta', doc: { userName: 'Ann@example.com' }, created: 't', lastModified: 't', version: 3 }

describe('user cache', () => {
  it('trusts an entry for its ttl, then until it is confirmed, and finds it by userName while the name still fits', () => {
    const cache = new UserCache(100, 1000)
    cache.put(user, 0, cache.readStarts())
    expect(cache.peek('okta', 'u1', 999)).toEqual({ user, isFresh: true })
    expect(cache.peekByName('okta', 'ann@example.com', 999)).toEqual({ user, isFresh: true })
    expect(cache.peek('entra', 'u1', 999)).toBeUndefined()
    expect(cache.peek('okta', 'u1', 1000)).toEqual({ user, isFresh: false })
    cache.confirm('u1', 1000)
    expect(cache.peek('okta', 'u1', 1999)).toEqual({ user, isFresh: true })
    cache.drop('u1')
    expect(cache.peek('okta', 'u1', 1999)).toBeUndefined()
    expect(cache.peekByName('okta', 'ann@example.com', 1999)).toBeUndefined()
  })

  it('keeps no user read while a write to it is in flight, nor one read before that write ended', () => {
    const cache = new UserCache(100, 1000)
    const before = cache.readStarts()
    cache.writeStarts('u1')
    const during = cache.readStarts()
    cache.put(user, 0, during)
    expect(cache.peek('okta', 'u1', 1)).toBeUndefined()
    cache.writeEnds('u1')
    cache.put(user, 0, before)
    cache.put(user, 0, during)
    expect(cache.peek('okta', 'u1', 1)).toBeUndefined()
    cache.put(user, 0, cache.readStarts())
    expect(cache.peek('okta', 'u1', 1)).toEqual({ user, isFresh: true })
  })

  it('two writes to one user in flight: reads are kept only once both ended', () => {
    const cache = new UserCache(100, 1000)
    cache.writeStarts('u1')
    cache.writeStarts('u1')
    cache.writeEnds('u1')
    cache.put(user, 0, cache.readStarts())
    expect(cache.peek('okta', 'u1', 1)).toBeUndefined()
    cache.writeEnds('u1')
    cache.put(user, 0, cache.readStarts())
    expect(cache.peek('okta', 'u1', 1)?.user).toBe(user)
  })

  it('forgetting the write ticks when full keeps their meaning: no earlier read is kept', () => {
    const cache = new UserCache(2, 1000)
    const early = cache.readStarts()
    cache.writeEnds('a')
    cache.writeEnds('b')
    cache.writeEnds('c')
    cache.put(user, 0, early)
    expect(cache.peek('okta', 'u1', 1)).toBeUndefined()
    cache.put(user, 0, cache.readStarts())
    expect(cache.peek('okta', 'u1', 1)?.user).toBe(user)
  })
})
