// The SQL a filter compiles to: value paths stay one EXISTS per entry, and prefix ranges are exact in SQLite's text order.
import { describe, expect, it } from 'vitest'
import { parseFilter } from '../../src/scim/filter/parser.js'
import { groupType, userType } from '../../src/scim/schemas.js'
import { compileFilter } from '../../src/store/sqlite/filter-sql.js'
import { prefixUpperBound } from '../../src/store/query.js'

describe('store/sqlite/filter-sql', () => {
  it('compiles Entra\'s value-path lookup to one EXISTS over the entries, holding both comparisons', () => {
    const { sql, params } = compileFilter('users', parseFilter(userType, 'emails[type eq "work"].value eq "Ada@Example.com"'))
    expect(sql.match(/EXISTS/g)).toHaveLength(1)
    expect(sql).toMatch(/^EXISTS \(SELECT 1 FROM json_each\(r\.doc, '\$\."emails"'\) e0 WHERE .*"type".* AND .*"value".*\)$/)
    expect(params).toEqual(['work', 'ada@example.com'])
  })

  it('compiles a member value path with a sub-attribute over the membership table', () => {
    const { sql, params } = compileFilter('groups', parseFilter(groupType, 'members[value eq "u-1"].display pr'))
    expect(sql.match(/EXISTS/g)).toHaveLength(1)
    expect(sql).toContain('FROM memberships e0m JOIN users e0')
    expect(params).toEqual(['u-1'])
  })

  it.each([
    ['ada', 'adb'],
    ['a\u{10FFFF}', 'b'],
    ['a\u{10FFFF}\u{10FFFF}', 'b'],
    ['\u{D7FF}', '\u{E000}'],
    ['\u{FFFF}', '\u{10000}'],
    ['\u{10FFFF}', undefined],
    ['', undefined],
  ])('bounds the strings that start with %j above by %j', (prefix, upper) => {
    expect(prefixUpperBound(prefix)).toBe(upper)
  })
})
