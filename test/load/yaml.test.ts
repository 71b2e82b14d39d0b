// The fast YAML parse (documents, and the one diagnostic a broken file gets) and PositionIndex (path → line:col).
import { describe, expect, it } from 'vitest'
import { maxExpandedNodes, parseYamlFast, PositionIndex } from '../../src/load/yaml.js'

describe('parseYamlFast', () => {
  it('returns every non-empty document of a multi-document file', () => {
    const text = '---\nkind: Role\nname: A\n---\n---\n# only a comment\n---\n~\n---\nkind: Group\nname: B\n'
    expect(parseYamlFast('f.yaml', text)).toEqual({ documents: [{ kind: 'Role', name: 'A' }, { kind: 'Group', name: 'B' }] })
  })

  it('keeps dates and yes/no as strings (YAML 1.2 core schema)', () => {
    expect(parseYamlFast('f.yaml', 'expires: 2027-06-01\nflag: yes\ncount: 3\n')).toEqual({ documents: [{ expires: '2027-06-01', flag: 'yes', count: 3 }] })
  })

  it('allows a few aliases', () => {
    const text = 'a: &env [staging, production]\nb: *env\n'
    expect(parseYamlFast('f.yaml', text)).toEqual({ documents: [{ a: ['staging', 'production'], b: ['staging', 'production'] }] })
  })

  it.each([
    ['an unclosed flow list', 'kind: Role\npermissions: [a, b\n', 'yaml-syntax', 3, 1, /flow collection/],
    ['a bad indentation', 'team:\n  group: A\n   role: b\n', 'yaml-syntax', 3, 8, /bad indentation/],
    ['a string left open in a later document, at its quote', 'kind: Role\n---\nkind: Group\nname: "open\n', 'yaml-syntax', 4, 7, /double-quoted string is never closed/],
    ['an open string holding an escaped quote, at its opening quote', 'a: 1\nb: "say \\"hi\\"\n', 'yaml-syntax', 2, 4, /double-quoted string is never closed/],
    ['an open single-quoted string holding a doubled quote, at its opening quote', "a: 1\nb: 'it''s\nc: 2\n", 'yaml-syntax', 2, 4, /single-quoted string is never closed/],
    ['a duplicate key', 'kind: Role\nname: A\nname: B\n', 'yaml-duplicate-key', 3, 1, /duplicated mapping key `name`/],
    ['a duplicate nested key', 'source:\n  scim:\n    connection: okta\n    connection: entra\n', 'yaml-duplicate-key', 4, 5, /`connection`/],
    ['a duplicate quoted key in a flow mapping', 'can: {"action": run, "action": edit}\n', 'yaml-duplicate-key', 1, 22, /`action`/],
    ['a tab as indentation', 'individualGrants:\n\tmaxRisk: high\n', 'yaml-tab', 2, 1, /tab/],
    ['a NUL byte, where it is', 'kind: Role\nname: A\0B\n', 'yaml-syntax', 2, 8, /U\+0000 is not allowed/],
    ['a control character in a double-quoted string, where it is', 'kind: Role\nname: A\ndescription: "abc\x01 d"\n', 'yaml-syntax', 3, 18, /U\+0001 is not allowed/],
    ['a control character in a single-quoted string, where it is', "kind: Role\ndescription: 'a\x02b'\n", 'yaml-syntax', 2, 16, /U\+0002 is not allowed/],
    ['a DEL in a plain string, not as a tab', 'kind: Role\nname: A\x7fB\n', 'yaml-syntax', 2, 8, /U\+007F is not allowed/],
    ['a double-quoted string left open before the next document, at its quote', 'kind: Role\nname: A\n---\nkind: Role\nname: "open\n\n---\nkind: Group\n', 'yaml-syntax', 5, 7, /double-quoted string is never closed/],
    ['a single-quoted string left open before the next document, at its quote', "a: 1\n---\nb: 'open\nc: 2\n---\nd: 3\n", 'yaml-syntax', 3, 4, /single-quoted string is never closed/],
  ])('reports %s once, at its position', (_name, text, code, line, col, summary) => {
    const parsed = parseYamlFast('f.yaml', text)
    expect(parsed).toMatchObject({ diagnostic: { severity: 'error', code, summary: expect.stringMatching(summary), source: { file: 'f.yaml', line, col } } })
  })

  it('refuses aliases that expand beyond the limit, at the first alias', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (const name of ['b', 'c', 'd', 'e', 'f']) {
      const previous = levels.length === 1 ? 'a' : String.fromCharCode(name.charCodeAt(0) - 1)
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`)
    }
    const text = `kind: Role\nname: Bomb\n${levels.join('\n')}\n`
    const parsed = parseYamlFast('bomb.yaml', text)
    expect(parsed).toEqual({
      diagnostic: {
        severity: 'error',
        code: 'yaml-alias-limit',
        summary: `YAML aliases expand to more than ${maxExpandedNodes(text.length)} values; anchors and aliases may not multiply a file's size.`,
        source: { file: 'bomb.yaml', line: 4, col: 8 },
      },
    })
  })
})

describe('parseYamlFast on long lists', () => {
  it('counts a flow list of 200,000 items without overflowing the call stack', () => {
    const text = `x: [${Array(200_000).fill('1').join(',')}]\n`
    const parsed = parseYamlFast('big.yaml', text)
    expect('documents' in parsed && (parsed.documents[0] as { x: unknown[] }).x.length).toBe(200_000)
  })

  it('counts a mapping of 200,000 keys without overflowing the call stack', () => {
    const text = Array.from({ length: 200_000 }, (_, i) => `k${i}: 1`).join('\n')
    const parsed = parseYamlFast('big.yaml', text)
    expect('documents' in parsed && Object.keys(parsed.documents[0] as object).length).toBe(200_000)
  })
})

describe('PositionIndex', () => {
  const text = [
    'kind: Group', // 1
    'name: Admins', // 2
    'source:', // 3
    '  members:', // 4
    '    users: [alice@x, bob@x]', // 5
    'grants:', // 6
    '  - action: run', // 7
    '    resource: journey:checkout/*', // 8
    '  - action: [run, edit]', // 9
    '    resource: "journey:*/x"', // 10
    '---', // 11
    '~', // 12
    '---', // 13
    'kind: Role', // 14
    'name: Reader', // 15
    'permissions: [audit:read]', // 16
    '',
  ].join('\n')
  const index = new PositionIndex(text)

  it.each([
    ['a value', 0, ['name'], false, { line: 2, col: 7 }],
    ['its key', 0, ['name'], true, { line: 2, col: 1 }],
    ['a nested mapping value', 0, ['source', 'members'], false, { line: 5, col: 5 }],
    ['a nested key', 0, ['source', 'members'], true, { line: 4, col: 3 }],
    ['an item of a flow list', 0, ['source', 'members', 'users', 1], false, { line: 5, col: 22 }],
    ['a value inside a list item', 0, ['grants', 1, 'resource'], false, { line: 10, col: 15 }],
    ['a key inside a list item', 0, ['grants', 1, 'resource'], true, { line: 10, col: 5 }],
    ['an item of a flow action list', 0, ['grants', 1, 'action', 1], false, { line: 9, col: 19 }],
    ['the document itself', 0, [], false, { line: 1, col: 1 }],
    ['a value in a later document, skipping the null one', 1, ['permissions', 0], false, { line: 16, col: 15 }],
    ['the start of a later document', 1, [], false, { line: 14, col: 1 }],
  ] as const)('finds %s', (_name, doc, path, onKey, position) => {
    expect(index.locate(doc, path, onKey)).toEqual(position)
  })

  it.each([
    ['a missing key of the document', 0, ['roles'], { line: 1, col: 1 }],
    ['a missing key of a list item', 0, ['grants', 0, 'env'], { line: 7, col: 5 }],
    ['a missing list index', 0, ['grants', 5, 'resource'], { line: 7, col: 3 }],
    ['a path through a scalar', 0, ['name', 'first'], { line: 2, col: 7 }],
    ['a missing key, asked for its key', 0, ['source', 'scim'], { line: 4, col: 3 }],
  ] as const)('resolves %s to the deepest node that exists', (_name, doc, path, position) => {
    expect(index.locate(doc, path, true)).toEqual(position)
  })

  it('places a document beyond the last at the start of the file', () => {
    expect(index.locate(7, ['name'])).toEqual({ line: 1, col: 1 })
  })
})
