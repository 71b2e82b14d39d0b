import { describe, expect, it } from 'vitest'
import { UserCache } from '../../src/store/sqlite/user-cache.js'
import type { StoredUser } from '../../src/store/store.js'

const user: StoredUser = { id: 'u1', connection: 'okta', doc: { userName: 'Ann@example.com' }, created: 't', lastModified: 't', version: 3 }

describe('user-cache', () => {
  it('serves an expired entry again only once it is confirmed current, and drops it otherwise', () => {
    const cache = new UserCache(100, 1000)
    const checked: StoredUser[] = []
    cache.put(user, 0)
    const never = () => {
      throw new Error('checked before expiry')
    }
    expect(cache.get('okta', 'u1', 999, never)).toBe(user)
    expect(cache.getByName('okta', 'ann@example.com', 999, never)).toBe(user)
    expect(cache.get('entra', 'u1', 999, never)).toBeUndefined()
    expect(
      cache.get('okta', 'u1', 1000, (candidate) => {
        checked.push(candidate)
        return true
      }),
    ).toBe(user)
    expect(checked).toEqual([user])
    // Confirmed: trusted for another ttl without a check.
    expect(cache.get('okta', 'u1', 1999, never)).toBe(user)
    expect(cache.getByName('okta', 'ann@example.com', 2000, () => false)).toBeUndefined()
    expect(cache.get('okta', 'u1', 2000, never)).toBeUndefined()
  })

  it('never caches a user written in the open batch', () => {
    const cache = new UserCache(100, 1000)
    cache.touch('u1')
    cache.put(user, 0)
    expect(cache.get('okta', 'u1', 1, () => true)).toBeUndefined()
    cache.evictTouched()
    cache.put(user, 0)
    expect(cache.get('okta', 'u1', 1, () => true)).toBe(user)
  })
})
