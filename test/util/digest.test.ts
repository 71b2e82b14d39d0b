import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { canonicalJson, digestOf, isSameJson } from '../../src/util/digest.js'
import { seededRandom } from '../helpers/random.js'

describe('digestOf', () => {
  it.each([[{ b: 1, a: [true, null, 'x'], c: { z: 1, y: undefined } }], [[]], ['text'], [{ nested: [{ k: 'é' }, { k: '"quoted"' }] }]])('equals the sha256 of the canonical JSON of %j', (value) => {
    expect(digestOf(value)).toBe(`sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`)
  })

  it('does not depend on key order', () => {
    expect(digestOf({ a: 1, b: [1, 2] })).toBe(digestOf({ b: [1, 2], a: 1 }))
  })

  it('hashes a large value in pieces and agrees with the digest of the whole text', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => ({ user: `user${i}@example.com`, chain: 'x'.repeat(40) }))
    expect(digestOf(big)).toBe(`sha256:${createHash('sha256').update(canonicalJson(big)).digest('hex')}`)
  })

  it('agrees with the digest of the whole text for plan-like entries: shared lists, repeated shapes, non-ASCII text', () => {
    const chains = [['okta group "a" → group "A"'], ['listed member "zoë" → group "B"', 'x'], [], ['\u{1F600} \uD800 lone']]
    const access = Array.from({ length: 50_000 }, (_, i) => ({
      user: `user${i % 997}@例え.example`,
      change: i % 3 === 0 ? 'loss' : 'gain',
      key: `grant edit journey:s${i % 50}/*`,
      what: i % 7 === 0 ? 'é' : `edit journey:s${i % 50}/*`,
      risk: 'high',
      chains: chains[i % chains.length],
      ...(i % 11 === 0 ? { extra: [1, 'two', null] } : {}),
    }))
    const plan = { formatVersion: 1, access, desired: [{ file: 'ç.yaml', doc: { kind: 'Group', name: 'Ω' } }] }
    expect(digestOf(plan)).toBe(`sha256:${createHash('sha256').update(canonicalJson(plan)).digest('hex')}`)
  })

  it('agrees with the digest of the whole text for long lists of records of one shape, and of lists that only nearly are', () => {
    const chains = [['okta group "a" → group "A"'], [], ['\u{1F600} \uD800 lone', 'zoë']]
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      what: i % 7 === 0 ? 'é' : `edit journey:s${i % 50}/*`,
      user: `user${i % 997}@例え.example`,
      '10': i,
      '9': i % 5 === 0 ? undefined : i % 2 === 0,
      risk: i % 13 === 0 ? null : 'high',
      chains: chains[i % chains.length],
    }))
    const nearly: unknown[][] = [
      records.map((record, i) => (i === 5000 ? { ...record, nested: { b: 1, a: 2 } } : record)),
      records.map((record, i) => (i === 9999 ? Object.fromEntries(Object.entries(record).reverse()) : record)),
      records.map((record, i) => (i === 300 ? { ...record, chains: ['a', 1] } : record)),
      records.map((record, i) => (i === 42 ? [record] : record)),
      records.map((record, i) => (i === 7 ? { ...record, user: new Date(0) } : record)),
    ]
    for (const value of [records, { formatVersion: 1, access: records }, ...nearly]) {
      expect(digestOf(value)).toBe(`sha256:${createHash('sha256').update(referenceCanonicalJson(value)).digest('hex')}`)
    }
  })
})

/** canonicalJson as first written (entries filtered, sorted and joined): the faster one must give the same text. */
function referenceCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${referenceCanonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

describe('canonicalJson', () => {
  it('writes what the entries-sort-join definition writes, for odd values too', () => {
    const random = seededRandom(11)
    const keys = ['a', 'B', 'é', '\u{1F600}', '\uFFFF', '"q"', '10', '9', '']
    const leaves = [1, -0, 1.5e300, Number.NaN, Number.POSITIVE_INFINITY, 'text', '\u0000', true, false, null, undefined, new Date(0)]
    const make = (depth: number): unknown => {
      const roll = random()
      if (depth > 3 || roll < 0.4) return leaves[Math.floor(random() * leaves.length)]
      if (roll < 0.7) {
        const list: unknown[] = Array.from({ length: Math.floor(random() * 4) }, () => make(depth + 1))
        if (random() < 0.2) list[list.length + 1] = 'after a hole'
        return list
      }
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [keys[Math.floor(random() * keys.length)] as string, make(depth + 1)]))
    }
    for (let i = 0; i < 500; i++) {
      const value = make(0)
      expect(canonicalJson(value)).toBe(referenceCanonicalJson(value))
      expect(digestOf(value)).toBe(`sha256:${createHash('sha256').update(referenceCanonicalJson(value)).digest('hex')}`)
    }
  })
})

describe('isSameJson', () => {
  it('is true for the same value whatever the order of keys, and false when a value, a key or a length differs', () => {
    expect(isSameJson({ a: 1, via: { kind: 'group', name: 'x' } }, { via: { name: 'x', kind: 'group' }, a: 1 })).toBe(true)
    expect(isSameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true)
    expect(isSameJson({ a: 1, via: { name: 'x' } }, { a: 1, via: { name: 'y' } })).toBe(false)
    expect(isSameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(isSameJson(['a', 'b'], ['a'])).toBe(false)
    expect(isSameJson(Number.NaN, null)).toBe(true)
  })

  it('digests a list of records with a nested object of flat values as canonicalJson writes it', () => {
    const rows = [
      { user: 'b', via: { name: 'x', kind: 'group' }, tags: ['t'] },
      { user: 'a', via: { kind: 'grant', name: 'y' }, tags: [] },
    ]
    expect(digestOf(rows)).toBe(`sha256:${createHash('sha256').update(canonicalJson(rows)).digest('hex')}`)
  })
})
