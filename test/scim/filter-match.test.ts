// PATCH value filters select the entries of a multi-valued attribute as the store's compiled filters select resources.
import { describe, expect, it } from 'vitest'
import { matchesElement } from '../../src/scim/filter/match.js'
import { parsePatchPath } from '../../src/scim/filter/parser.js'
import { userType } from '../../src/scim/schemas.js'
import type { JsonValue } from '../../src/store/store.js'

function matches(path: string, element: JsonValue): boolean {
  const { filter } = parsePatchPath(userType, path)
  if (filter === undefined) throw new Error(`${path} has no value filter`)
  return matchesElement(filter, element)
}

describe('filter/match', () => {
  it.each([
    // RFC 7643 §2.5: "" is empty, so `eq null` holds for it and `pr` does not.
    ['emails[display eq null]', { value: 'a@x', display: '' }, true],
    ['emails[display pr]', { value: 'a@x', display: '' }, false],
    ['emails[display ne null]', { value: 'a@x', display: 'A' }, true],
    ['emails[display eq null]', { value: 'a@x' }, true],
    // A node holding only empty values is empty.
    ['addresses[formatted pr]', { formatted: '', type: 'work' }, false],
    ['emails[value pr]', { value: '[]' }, true],
    // Text order is by code point: U+10000 sorts above U+FFFD, though its first UTF-16 unit (D800) is below.
    ['emails[value gt "\uFFFD"]', { value: '\u{10000}' }, true],
    ['emails[value lt "\uFFFD"]', { value: '\u{10000}' }, false],
    ['emails[value gt "a"]', { value: 'B' }, true],
    // A number sent for a string attribute compares as its text.
    ['emails[value eq 5]', { value: '5' }, true],
    ['emails[value ne 5]', { value: '6' }, true],
  ])('%s on %j is %s', (path, element, expected) => {
    expect(matches(path, element)).toBe(expected)
  })
})
