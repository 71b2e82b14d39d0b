// Globs of resource parts: what they match (picomatch's meaning, which rolecall had before), what they refuse, that
// matching a long text takes linear time, and that intersecting two globs finds exactly the parts both match.
import { describe, expect, it } from 'vitest'
import { globsIntersect, matchesGlob, parseGlob, partAlphabet, type Glob } from '../../src/model/glob.js'

function glob(source: string): Glob {
  const parsed = parseGlob(source)
  if ('error' in parsed) throw new Error(`${source}: ${parsed.error}`)
  return parsed.glob
}

describe('matchesGlob', () => {
  // Each row was checked against picomatch.makeRe(pattern, { dot: true }) before picomatch was removed; so were
  // 770,000 random pattern/text pairs, which differed only in cases of the next table.
  it.each([
    ['*', 'anything', true],
    ['*', '.hidden', true],
    ['**', 'x', true],
    ['a**b', 'axxb', true],
    ['a*', 'a', true],
    ['a.*', 'a.', true],
    ['*-*', 'a-', true],
    ['?', '.', true],
    ['??', 'a', false],
    ['check?ut', 'checkout', true],
    ['*a*a*b', 'xaxayb', true],
    ['*a*a*b', 'aab', true],
    ['*a*a*b', 'abba', false],
    ['{oidc,saml}', 'saml', true],
    ['{oidc,saml}', 'ldap', false],
    ['{a,{b,c}}', 'c', true],
    ['{a,b}{c,d}', 'bd', true],
    ['{a*,b}', 'axyz', true],
    ['x{,a}', 'x', true],
    ['{a,}', 'a', true],
    ['{[ab],c}', 'b', true],
    // A brace group without a comma is literal text, the braces included.
    ['{a}', '{a}', true],
    ['{a}', 'a', false],
    ['{{a,b}}', '{a}', true],
    ['{a*}', '{ab}', true],
    // Brace ranges of single characters.
    ['{1..3}', '2', true],
    ['{1..3}', '4', false],
    ['{c..a}', 'b', true],
    ['x{0..2}y', 'x1y', true],
    // Classes: members, ranges, `-` at either end; a `!` after the first member is a member.
    ['[a-c]', 'b', true],
    ['[a-c]', 'd', false],
    ['[a-]', '-', true],
    ['[-a]', '-', true],
    ['[a-c-e]', 'e', true],
    ['[a-c-e]', 'd', false],
    ['[--0]', '.', true],
    ['[A-z]', '_', true],
    ['[a!]', '!', true],
    ['[a!]', 'b', false],
    ['[a,b]', ',', true],
    ['[{a]', '{', true],
    ['[*?]', '?', true],
    ['[*?]', 'x', false],
    // Outside braces, `,` `@` and a later `!` are literal.
    ['a,b', 'a,b', true],
    ['a!b', 'a!b', true],
    ['@a', '@a', true],
    // A leading `!` negates the whole part; `!!` negates twice.
    ['!a', 'b', true],
    ['!a', 'a', false],
    ['!a*', 'bc', true],
    ['!a*', 'ab', false],
    ['!!a', 'a', true],
    ['!', 'x', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(matchesGlob(glob(pattern), text)).toBe(expected)
  })

  // Where rolecall now reads a glob plainly and picomatch did not. picomatch keeps `*` at the start of a pattern (and
  // `*` after a leading `.`) from matching the path segments `.` and `..`, and `*.*` from matching `a.`; for resource
  // names those are artefacts of file paths. It also lets a class holding `!` or `,` match its own text (`[a!]x`
  // matched the text `[a!]x`); a whole part still matches its own text (matchesPart), but not a piece of it.
  it.each([
    ['*', '.', true],
    ['*', '..', true],
    ['**', '..', true],
    ['.*', '.', true],
    ['*.*', 'a.', true],
    ['[a!]x', '[a!]x', false],
  ])('%s matches %s: %s (picomatch differed)', (pattern, text, expected) => {
    expect(matchesGlob(glob(pattern), text)).toBe(expected)
  })

  it('never matches a "/" with ? or *, as picomatch did not', () => {
    expect(matchesGlob(glob('a*'), 'a/b')).toBe(false)
    expect(matchesGlob(glob('a?b'), 'a/b')).toBe(false)
  })

  it('matches adversarial globs in linear time (picomatch took 8 s for 40 characters)', () => {
    const adversarial = glob('*a*a*a*a*a*a*a*a*a*a*a*a*b')
    const started = performance.now()
    expect(matchesGlob(adversarial, 'a'.repeat(10_000))).toBe(false)
    expect(matchesGlob(adversarial, `${'a'.repeat(10_000)}b`)).toBe(true)
    expect(matchesGlob(glob('{*a,*a*}{*a,*a*}{*a,*a*}{*a,*a*}b'), 'a'.repeat(10_000))).toBe(false)
    // Tens of milliseconds at most; a backtracking matcher would not finish.
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('parseGlob', () => {
  it.each([
    ['[ab', '"[" without its closing "]"'],
    ['{a,b', '"{" without its closing "}"'],
    ['a]', '"]" without its opening bracket'],
    ['{a]', '"]" without its opening bracket'],
    ['[a}', '"[" without its closing "]"'],
    ['[z-a]', 'reversed range "z-a"'],
    ['{1..10}', 'unsupported brace range "{1..10}": use single characters, like {1..9} or {a..f}'],
    ['{a..c,d}', 'unsupported brace range "{a..c,d}": use single characters, like {1..9} or {a..f}'],
    ['[!a]', '"[!a]" is ambiguous: a class opening with "!" is not supported; list the characters it should match'],
    ['x[!a-c]*', '"[!a-c]" is ambiguous: a class opening with "!" is not supported; list the characters it should match'],
  ])('refuses %s: %s', (pattern, error) => {
    expect(parseGlob(pattern)).toEqual({ error })
  })

  it('keeps a leading ! as negation of the rest', () => {
    expect(glob('!prod-*').negated).toBe(true)
    expect(glob('!!prod-*').negated).toBe(false)
  })
})

describe('globsIntersect', () => {
  it.each([
    // The QA cases: neither glob matches the other's text, yet `prod-signing-key` matches both.
    ['*-key', 'prod-*', true],
    ['{prod,dev}-signing-key', 'prod-*', true],
    ['{staging,dev}-signing-key', 'prod-*', false],
    ['dev-*', 'prod-*', false],
    ['*', 'prod-*', true],
    ['*a*', '*b*', true],
    ['a*', '*b', true],
    ['a*b', '*c', false],
    ['a?', '?b', true],
    ['?', 'ab', false],
    ['??*', '?', false],
    ['[ab]*', '[bc]x', true],
    ['[a]*', '[b]*', false],
    ['[a-c]', '[c!]', true],
    ['[a-c]', '{x,y,[d-f]}', false],
    ['{1..3}', '3', true],
    ['{a}', '{*}', true],
    ['{a}', 'a', false],
    // Parts are never empty: `{,a}` and `{,b}` share only the empty text.
    ['{,a}', '{,b}', false],
    ['{,a}x', '{,b}x', true],
    // A negated glob is assumed to overlap anything (the cautious answer for risk rules).
    ['!prod-*', 'prod-key', true],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(globsIntersect(glob(a), glob(b))).toBe(expected)
    expect(globsIntersect(glob(b), glob(a))).toBe(expected)
  })

  it('agrees with trying every short text, on random globs', () => {
    // Small globs over a few characters, and every text of up to 5 of those characters (plus one other, standing
    // for the rest of the alphabet): an intersection found by enumeration must be found, and one found must be real
    // (the shortest common text of globs this small is at most 5 long).
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const atoms = ['a', 'b', '-', '*', '?', '[ab]', '[b!]', '[a-c]', '{a,b-}', '{,a}', '{b*,-}']
    const randomGlob = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(atoms)).join('')
    const letters = ['a', 'b', 'c', '-', '!', 'Z']
    const texts: string[] = []
    for (let length = 1, layer = ['']; length <= 5; length++) {
      layer = layer.flatMap((prefix) => letters.map((letter) => prefix + letter))
      texts.push(...layer)
    }
    expect(letters.every((letter) => partAlphabet.includes(letter))).toBe(true)
    for (let round = 0; round < 300; round++) {
      const [a, b] = [glob(randomGlob()), glob(randomGlob())]
      const witness = texts.find((text) => matchesGlob(a, text) && matchesGlob(b, text))
      expect(globsIntersect(a, b), `${a.source} and ${b.source} (common text: ${witness ?? 'none'})`).toBe(witness !== undefined)
    }
  })
})

describe('the two ways of matching', () => {
  it('agree: a glob without alternatives (segments between stars) and the same glob as {g,g} (the automaton)', () => {
    let seed = 11
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const atoms = ['a', 'b', '-', '*', '?', '[ab]', '[b!]', '[a-c]', '{x}']
    for (let round = 0; round < 500; round++) {
      const source = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(atoms)).join('')
      const [plain, doubled] = [glob(source), glob(`{${source},${source}}`)]
      expect(plain.segments).toBeDefined()
      expect(doubled.segments).toBeUndefined()
      for (let text = 0; text < 20; text++) {
        const value = Array.from({ length: Math.floor(random() * 8) }, () => pick(['a', 'b', 'c', '-', '{', 'x', '}'])).join('')
        expect(matchesGlob(doubled, value), `${source} on ${value}`).toBe(matchesGlob(plain, value))
      }
    }
  })
})
