// Globs of one resource pattern part (`prod-*`, `{oidc,saml}`, `[a-c]?`), matched and intersected without
// backtracking: in time proportional to pattern length × text length at worst, whatever either holds.
//
// Why not regular expressions: a backtracking regex engine takes exponential time on globs like `*a*a*a*a*b` against
// a long run of `a`s, and the check API matches request input against the globs of the access files.
//
// The meaning is picomatch's (`{dot: true}`), which rolecall used before (see glob-parse.ts for the syntax). Where
// picomatch's behaviour came from file paths, this module reads the glob plainly; test/model/glob.test.ts lists where.
import { anyChar, hasChar, parseItems, type CharSet, type Item } from './glob-parse.js'

/** Characters a resource part may hold: the alphabet over which two globs are intersected. */
export const partAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-*?[]{},!'

/** True when a part holds glob syntax rather than one literal name. */
export function isGlob(part: string): boolean {
  return /[*?[\]{}!]/.test(part)
}

/**
 * Automaton states (Thompson's construction): `char` reads one character and goes to `next`; `split` goes to any of
 * `to` without reading; `accept` ends a match. Only `char` states read, so there are no cycles without reading.
 */
type State = { kind: 'char'; set: CharSet; next: number } | { kind: 'split'; to: number[] } | { kind: 'accept' }

/**
 * A compiled glob. `segments` (the runs of characters between stars) when it has no alternatives, for the usual
 * globs' faster matching; `negated` when it starts with an odd number of `!`.
 */
export type Glob = {
  readonly source: string
  readonly negated: boolean
  readonly states: readonly State[]
  readonly start: number
  readonly segments: readonly (readonly CharSet[])[] | undefined
}

export type ParsedGlob = { glob: Glob } | { error: string }

/** Parse and compile a part; the error says what is malformed. */
export function parseGlob(source: string): ParsedGlob {
  const parsed = parseItems(source)
  if ('error' in parsed) return parsed
  const states: State[] = [{ kind: 'accept' }]
  const start = build(parsed.items, 0, states)
  return { glob: { source, negated: parsed.negated, states, start, segments: segmentsOf(parsed.items) } }
}

/** Append the states of `items` (built back to front) leading to state `next`; returns the first state. */
function build(items: readonly Item[], next: number, states: State[]): number {
  let target = next
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (item === undefined) continue
    if (item.kind === 'char') {
      target = states.push({ kind: 'char', set: item.set, next: target }) - 1
    } else if (item.kind === 'star') {
      // split → (read any → back to split) | next
      const split = states.length
      states.push({ kind: 'split', to: [split + 1, target] }, { kind: 'char', set: anyChar, next: split })
      target = split
    } else {
      const to = item.options.map((option) => build(option, target, states))
      target = states.push({ kind: 'split', to }) - 1
    }
  }
  return target
}

/** The runs of characters between stars (the first and last may be empty); undefined when there are alternatives. */
function segmentsOf(items: readonly Item[]): CharSet[][] | undefined {
  const segments: CharSet[][] = [[]]
  for (const item of items) {
    if (item.kind === 'alternatives') return undefined
    if (item.kind === 'star') segments.push([])
    else segments.at(-1)?.push(item.set)
  }
  return segments
}

/** Does `text` match the glob? */
export function matchesGlob(glob: Glob, text: string): boolean {
  // Stars never match `/`, which the segment search does not check: texts with one take the automaton.
  const matched = glob.segments !== undefined && !text.includes('/') ? matchesSegments(glob.segments, text) : runAutomaton(glob, text)
  return matched !== glob.negated
}

function segmentAt(segment: readonly CharSet[], text: string, position: number): boolean {
  for (let index = 0; index < segment.length; index++) {
    if (!hasChar(segment[index] ?? anyChar, text.charCodeAt(position + index))) return false
  }
  return true
}

/**
 * Without alternatives: the first segment must start the text and the last end it; each one between is taken at its
 * leftmost place after the previous one (the leftmost place leaves the most room to the rest, so it never needs
 * revisiting). O(pattern × text) at worst, about O(text) for usual globs.
 */
function matchesSegments(segments: readonly (readonly CharSet[])[], text: string): boolean {
  const first = segments[0] ?? []
  if (segments.length === 1) return first.length === text.length && segmentAt(first, text, 0)
  const last = segments[segments.length - 1] ?? []
  const end = text.length - last.length
  if (first.length > end || !segmentAt(first, text, 0) || !segmentAt(last, text, end)) return false
  let position = first.length
  for (let index = 1; index < segments.length - 1; index++) {
    const segment = segments[index] ?? []
    while (position + segment.length <= end && !segmentAt(segment, text, position)) position++
    if (position + segment.length > end) return false
    position += segment.length
  }
  return true
}

/** Simulates the automaton on all its states at once: O(states × text length). */
function runAutomaton(glob: Glob, text: string): boolean {
  const { states } = glob
  const seen = new Int32Array(states.length).fill(-1)
  const stack = new Int32Array(states.length)
  let current = new Int32Array(states.length)
  let next = new Int32Array(states.length)
  /** Adds `from` and all it reaches without reading to `into` (from `size` on), each state once per `mark`; the new size. */
  const close = (from: number, into: Int32Array, size: number, mark: number): number => {
    if (seen[from] === mark) return size
    seen[from] = mark
    let depth = 0
    stack[depth++] = from
    while (depth > 0) {
      const state = stack[--depth] ?? 0
      const node = states[state]
      if (node?.kind !== 'split') {
        into[size++] = state
        continue
      }
      for (const to of node.to) {
        if (seen[to] === mark) continue
        seen[to] = mark
        stack[depth++] = to
      }
    }
    return size
  }
  let count = close(glob.start, current, 0, 0)
  for (let index = 0; index < text.length && count > 0; index++) {
    const code = text.charCodeAt(index)
    let nextCount = 0
    for (let slot = 0; slot < count; slot++) {
      const node = states[current[slot] ?? 0]
      if (node?.kind === 'char' && hasChar(node.set, code)) nextCount = close(node.next, next, nextCount, index + 1)
    }
    ;[current, next] = [next, current]
    count = nextCount
  }
  for (let slot = 0; slot < count; slot++) if (states[current[slot] ?? 0]?.kind === 'accept') return true
  return false
}

/** The characters of the alphabet a set holds, as a bit mask in three words (the alphabet has fewer than 96). */
function alphabetMask(set: CharSet): [number, number, number] {
  const mask: [number, number, number] = [0, 0, 0]
  for (let index = 0; index < partAlphabet.length; index++) {
    if (hasChar(set, partAlphabet.charCodeAt(index))) mask[index >> 5] = (mask[index >> 5] ?? 0) | (1 << (index & 31))
  }
  return mask
}

type Masks = readonly ([number, number, number] | undefined)[]

/** Each glob's masks by state, computed on its first intersection. */
const masksByGlob = new WeakMap<Glob, Masks>()

function masksOf(glob: Glob): Masks {
  let masks = masksByGlob.get(glob)
  if (masks === undefined) {
    masks = glob.states.map((state) => (state.kind === 'char' ? alphabetMask(state.set) : undefined))
    masksByGlob.set(glob, masks)
  }
  return masks
}

/**
 * Is there a non-empty part, written with the part alphabet, that both globs match? A search over pairs of states
 * (one in each automaton) that read the same character: O(states of a × states of b).
 *
 * A negated glob (`!prod-*`) is taken to overlap anything: its language is a complement, which this search does not
 * handle, and assuming an overlap is the cautious answer for risk rules and separation of duty.
 */
export function globsIntersect(a: Glob, b: Glob): boolean {
  if (a.negated || b.negated) return true
  const masksA = masksOf(a)
  const masksB = masksOf(b)
  const width = b.states.length
  // Index of (state of a, state of b, whether a character was read).
  const seen = new Uint8Array(a.states.length * width * 2)
  const stack: [number, number, number][] = [[a.start, b.start, 0]]
  while (stack.length > 0) {
    const [stateA, stateB, read] = stack.pop() ?? [0, 0, 0]
    const key = (stateA * width + stateB) * 2 + read
    if (seen[key] === 1) continue
    seen[key] = 1
    const nodeA = a.states[stateA]
    const nodeB = b.states[stateB]
    // Moves without reading go one side at a time: a first, then b. Every joint path can be put in that order.
    if (nodeA?.kind === 'split') for (const to of nodeA.to) stack.push([to, stateB, read])
    else if (nodeB?.kind === 'split') for (const to of nodeB.to) stack.push([stateA, to, read])
    else if (nodeA?.kind === 'accept' && nodeB?.kind === 'accept') {
      if (read === 1) return true
    } else if (nodeA?.kind === 'char' && nodeB?.kind === 'char') {
      const maskA = masksA[stateA]
      const maskB = masksB[stateB]
      if (maskA !== undefined && maskB !== undefined && maskA.some((word, index) => (word & (maskB[index] ?? 0)) !== 0)) {
        stack.push([nodeA.next, nodeB.next, 1])
      }
    }
  }
  return false
}
