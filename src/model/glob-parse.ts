// Parsing the glob of one resource part into items: characters (a literal, `?`, a class), `*`, and alternatives.
// The syntax is picomatch's, as rolecall used it before, for what parts may hold: letters, digits, `. _ - @` and
// `* ? [ ] { } , !`. Ambiguous or mangled forms (unclosed or crossed brackets, reversed or long ranges) are refused.

/** One character position: a literal, `?` or a class, as inclusive char-code ranges; `any` is `?` and `*`. */
export type CharSet = {
  readonly any: boolean
  readonly ranges: readonly (readonly [number, number])[]
  /** Membership of the codes below 128, looked up while matching. */
  readonly ascii: Uint8Array
}

const slash = 0x2f

function rangeSet(ranges: readonly (readonly [number, number])[]): CharSet {
  const ascii = new Uint8Array(128)
  for (const [low, high] of ranges) for (let code = low; code <= Math.min(high, 127); code++) ascii[code] = 1
  return { any: false, ranges, ascii }
}

// `?` and `*` never match `/`, as in picomatch (parts hold none, but catalog names come from elsewhere).
export const anyChar: CharSet = { ...rangeSet([[0, slash - 1], [slash + 1, 0x10ffff]]), any: true }

/** Sets of one literal character, shared (most characters of most globs are literals). */
const literals = new Map<number, CharSet>()

function charSet(char: string): CharSet {
  const code = char.charCodeAt(0)
  let set = literals.get(code)
  if (set === undefined) literals.set(code, (set = rangeSet([[code, code]])))
  return set
}

export function hasChar(set: CharSet, code: number): boolean {
  if (code < 128) return set.ascii[code] === 1
  return set.ranges.some(([low, high]) => code >= low && code <= high)
}

/** A parsed glob: a sequence of items, where alternatives hold one sequence per option (`{a,b}`). */
export type Item = { kind: 'char'; set: CharSet } | { kind: 'star' } | { kind: 'alternatives'; options: Item[][] }

/** `negated` when the part starts with an odd number of `!`: picomatch negates the whole part. */
export type ParsedItems = { items: Item[]; negated: boolean } | { error: string }

class GlobSyntaxError extends Error {}

/** Parse a part. Errors name what is malformed (unclosed `[` or `{`, a stray `]` or `}`, a bad range). */
export function parseItems(source: string): ParsedItems {
  let bangs = 0
  while (source[bangs] === '!') bangs++
  try {
    const parser = new Parser(source, bangs)
    const items = parser.sequence(false)
    if (parser.position < source.length) throw new GlobSyntaxError(`unexpected "${source[parser.position] ?? ''}"`)
    return { items, negated: bangs % 2 === 1 }
  } catch (error) {
    if (error instanceof GlobSyntaxError) return { error: error.message }
    throw error
  }
}

class Parser {
  constructor(
    private readonly text: string,
    public position: number,
  ) {}

  /** Items up to the end, or (inside braces) up to the `,` or `}` that ends this alternative. */
  sequence(inBraces: boolean): Item[] {
    const items: Item[] = []
    let previousDot = false
    let dots = false
    while (this.position < this.text.length) {
      const char = this.text[this.position] ?? ''
      if (inBraces && (char === ',' || char === '}')) break
      this.position++
      const isDot = char === '.'
      if (isDot && previousDot) dots = true
      previousDot = isDot
      if (char === '*') {
        if (items.at(-1)?.kind !== 'star') items.push({ kind: 'star' })
      } else if (char === '?') items.push({ kind: 'char', set: anyChar })
      else if (char === '[') items.push({ kind: 'char', set: this.charClass() })
      else if (char === '{') items.push(...this.braces())
      else if (char === ']' || char === '}') throw new GlobSyntaxError(`"${char}" without its opening bracket`)
      else items.push({ kind: 'char', set: charSet(char) })
    }
    this.dots = dots
    return items
  }

  /** Whether the last `sequence` to finish read `..` at its own level (picomatch's brace range `{1..5}`). */
  private dots = false

  /**
   * `[...]` after its `[`: members and ranges `a-z`; a `]` right after `[` is a member. A class opening with `!` is
   * refused: shells read `[!a]` as "anything but a", picomatch (and so rolecall until now) as "! or a", and a risk
   * rule or separation-of-duty pair written the first way would quietly cover far less than its author meant.
   */
  private charClass(): CharSet {
    const close = this.text.indexOf(']', this.position + 1)
    if (close < 0) throw new GlobSyntaxError('"[" without its closing "]"')
    const body = this.text.slice(this.position, close)
    if (body.startsWith('!')) throw new GlobSyntaxError(`"[${body}]" is ambiguous: a class opening with "!" is not supported; list the characters it should match`)
    this.position = close + 1
    const ranges: [number, number][] = []
    for (let index = 0; index < body.length; index++) {
      const low = body.charCodeAt(index)
      if (body[index + 1] === '-' && index + 2 < body.length) {
        const high = body.charCodeAt(index + 2)
        if (high < low) throw new GlobSyntaxError(`reversed range "${body.slice(index, index + 3)}"`)
        ranges.push([low, high])
        index += 2
      } else {
        ranges.push([low, low])
      }
    }
    return rangeSet(ranges)
  }

  /**
   * `{...}` after its `{`. With a comma: alternatives. Without one: literal braces around the content, as picomatch
   * reads `{a}`. `{a..e}` is a range of single characters; picomatch mangles longer ranges, so they are refused.
   */
  private braces(): Item[] {
    const open = this.position - 1
    const options: Item[][] = []
    let dots = false
    for (;;) {
      options.push(this.sequence(true))
      dots ||= this.dots
      const char = this.text[this.position]
      this.position++
      if (char === '}') break
      if (char !== ',') throw new GlobSyntaxError('"{" without its closing "}"')
    }
    if (dots) {
      const body = this.text.slice(open + 1, this.position - 1)
      const range = /^([A-Za-z0-9])\.\.([A-Za-z0-9])$/.exec(body)
      if (range === null) throw new GlobSyntaxError(`unsupported brace range "{${body}}": use single characters, like {1..9} or {a..f}`)
      const [low, high] = [range[1] ?? '', range[2] ?? ''].map((end) => end.charCodeAt(0)).sort((a, b) => a - b)
      return [{ kind: 'char', set: rangeSet([[low ?? 0, high ?? 0]]) }]
    }
    if (options.length === 1) return [{ kind: 'char', set: charSet('{') }, ...(options[0] ?? []), { kind: 'char', set: charSet('}') }]
    return [{ kind: 'alternatives', options }]
  }
}
