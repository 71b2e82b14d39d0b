import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { canonicalJson, digestOf } from '../../src/util/digest.js'

describe('digestOf', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'], c: { z: 1, y: undefined } }],
    [[]],
    ['text'],
    [{ nested: [{ k: 'é' }, { k: '"quoted"' }] }],
  ])('equals the sha256 of the canonical JSON of %j', (value) => {
    expect(digestOf(value)).toBe(`sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`)
  })

  it('does not depend on key order', () => {
    expect(digestOf({ a: 1, b: [1, 2] })).toBe(digestOf({ b: [1, 2], a: 1 }))
  })

  it('hashes a large value in pieces and agrees with the digest of the whole text', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => ({ user: `user${i}@example.com`, chain: 'x'.repeat(40) }))
    expect(digestOf(big)).toBe(`sha256:${createHash('sha256').update(canonicalJson(big)).digest('hex')}`)
  })
})
