// Did-you-mean: the edit distance behind it and which candidate, if any, is suggested.
import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance, suggestion } from '../../src/diag/suggest.js'

const groupKeys = ['kind', 'name', 'description', 'source', 'roles', 'serviceRoles', 'grants', 'authMethods']
const kinds = ['Organization', 'Catalog', 'Role', 'Service', 'Group', 'Grant', 'Policy', 'AccessTest']

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['grants', 'grants', 0],
    ['ROLE', 'role', 0],
    ['grnats', 'grants', 1],
    ['rolse', 'roles', 1],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance)
    expect(editDistance(b, a)).toBe(distance)
  })
})

describe('didYouMean', () => {
  it.each([
    ['grnats', groupKeys, 'grants'],
    ['rolse', groupKeys, 'roles'],
    ['soruce', groupKeys, 'source'],
    ['servceRoles', groupKeys, 'serviceRoles'],
    ['authMethod', groupKeys, 'authMethods'],
    ['role', kinds, 'Role'],
    ['Gruop', kinds, 'Group'],
    ['Roel', kinds, 'Role'],
    ['hgih', ['low', 'medium', 'high', 'critical'], 'high'],
    ['otka', ['okta', 'entra', 'onelogin', 'google', 'jumpcloud', 'generic'], 'okta'],
    ['Grnt', kinds, 'Grant'],
    ['edti', ['run', 'edit'], 'edit'],
    ['ab', ['ac', 'ab'], 'ac'],
  ])('suggests for %s', (given, candidates, expected) => {
    expect(didYouMean(given, candidates)).toBe(expected)
  })

  it.each([
    ['environment', groupKeys],
    ['members', groupKeys],
    ['xyz', groupKeys],
    ['permissions', groupKeys],
    ['Team', kinds],
    ['prod', ['staging', 'production']],
    ['anything', []],
    ['grants', ['grants']],
  ])('suggests nothing for far-off %s', (given, candidates) => {
    expect(didYouMean(given, candidates)).toBeUndefined()
  })

  it('prefers the closest candidate, and the first in sorted order on a tie', () => {
    expect(didYouMean('rolez', ['roles', 'role'])).toBe('role')
    expect(didYouMean('cat', ['bat', 'cap'])).toBe('bat')
  })
})

describe('suggestion', () => {
  it('quotes the match, or says nothing', () => {
    expect(suggestion('grnats', groupKeys)).toBe('; did you mean "grants"?')
    expect(suggestion('grnats', groupKeys, '`')).toBe('; did you mean `grants`?')
    expect(suggestion('zzzzzz', groupKeys)).toBe('')
  })
})
