import { describe, expect, it } from 'vitest'
import { newResourceId } from '../../src/store/ids.js'

describe('ids', () => {
  it('makes distinct RFC 9562 version 7 UUIDs that sort by creation time', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newResourceId(1_700_000_000_000 + i))
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(newResourceId(0x0123456789ab).slice(0, 13)).toBe('01234567-89ab')
  })
})
