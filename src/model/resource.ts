// Resource patterns `type:service/name`: parsing, and glob matching of each part.
import { globsIntersect, isGlob, matchesGlob, parseGlob, type Glob } from './glob.js'

export { isGlob }

export type ResourcePattern = { type: string; service: string; name: string }

export type ParsedPattern = { pattern: ResourcePattern } | { error: string }

const partText = /^[A-Za-z0-9*?._@{},[\]!-]+$/

/**
 * Longest part. The schema bounds a whole resource in the access files to 512 characters, so this only refuses
 * questions (check API, explain, who-can): matching takes time proportional to a part's length, per glob it is
 * matched against, and a request may be 64 KiB.
 */
const maxPartLength = 512

/**
 * Parse `type:service/name`. With `serviceContext` (inside a Service or a default service role),
 * the short form `type:name` means `type:<service>/name`.
 */
export function parseResourcePattern(text: string, serviceContext?: string): ParsedPattern {
  const colon = text.indexOf(':')
  if (colon <= 0) return { error: `must be "type:service/name" (got "${text}")` }
  const type = text.slice(0, colon)
  const rest = text.slice(colon + 1)
  const slash = rest.indexOf('/')
  let service: string
  let name: string
  if (slash < 0) {
    if (serviceContext === undefined) {
      return { error: `must be "type:service/name"; the short form "type:name" is only allowed inside a Service (got "${text}")` }
    }
    service = serviceContext
    name = rest
  } else {
    service = rest.slice(0, slash)
    name = rest.slice(slash + 1)
  }
  for (const [label, part] of [['type', type], ['service', service], ['name', name]] as const) {
    if (part === '') return { error: `has an empty ${label} part (got "${text}")` }
    if (part.length > maxPartLength) return { error: `has a ${label} part of ${part.length} characters, more than ${maxPartLength}` }
    if (!partText.test(part)) return { error: `has an invalid ${label} part "${part}": use letters, digits, . _ - @ and glob characters` }
    if (!isGlob(part)) continue
    if (!isValidGlob(part)) return { error: `has a malformed glob in its ${label} part "${part}"` }
    const { error } = matcherOf(part)
    if (error !== undefined) return { error: `has a malformed glob in its ${label} part "${part}": ${error}` }
  }
  return { pattern: { type, service, name } }
}

function isValidGlob(part: string): boolean {
  let depth = 0
  for (const char of part) {
    if (char === '[' || char === '{') depth++
    if (char === ']' || char === '}') depth--
    if (depth < 0) return false
  }
  return depth === 0
}

/** Longest part whose matcher is cached (callers may match parts that did not go through parsing). */
const maxCachedPart = maxPartLength

/** A part's compiled glob (none for a literal or a malformed glob, which match only their own text), and why it is malformed. */
type Matcher = { glob: Glob | undefined; error: string | undefined; matches: (value: string) => boolean }

const matchers = new Map<string, Matcher>()

/** The matcher of a part, compiled once: parsing the access files and answering questions ask for the same parts. */
function matcherOf(part: string): Matcher {
  let matcher = matchers.get(part)
  if (matcher === undefined) {
    const parsed = isGlob(part) ? parseGlob(part) : undefined
    const glob = parsed !== undefined && 'glob' in parsed ? parsed.glob : undefined
    const error = parsed !== undefined && 'error' in parsed ? parsed.error : undefined
    matcher = { glob, error, matches: glob === undefined ? (value) => value === part : (value) => value === part || matchesGlob(glob, value) }
    // Parts mostly come from the access files, but explain and the check API pass a question's own type part:
    // only short parts are kept, and the cache stays bounded.
    if (part.length <= maxCachedPart) {
      if (matchers.size >= 100_000) matchers.clear()
      matchers.set(part, matcher)
    }
  }
  return matcher
}

/**
 * Does `value` match the glob (or literal) `part`? A part also matches its own text, as it did with picomatch.
 * Takes time linear in the value's length (times the part's), whatever either holds: no backtracking.
 */
export function matchesPart(part: string, value: string): boolean {
  return matcherOf(part).matches(value)
}

/** Answers of partsOverlap for two globs, by `a\nb` (parts hold no newline); plan asks the same pairs many times. */
const overlaps = new Map<string, boolean>()

/** Could some concrete part match both `a` and `b`? Exact for globs (an intersection of their languages), see glob.ts. */
export function partsOverlap(a: string, b: string): boolean {
  if (a === b) return true
  if (!isGlob(b)) return matchesPart(a, b)
  if (!isGlob(a)) return matchesPart(b, a)
  const key = `${a}\n${b}`
  let overlap = overlaps.get(key)
  if (overlap === undefined) {
    // Each part also matches its own text (matchesPart), so that text is a resource both may match.
    const [globA, globB] = [matcherOf(a).glob, matcherOf(b).glob]
    overlap = matchesPart(a, b) || matchesPart(b, a) || (globA !== undefined && globB !== undefined && globsIntersect(globA, globB))
    if (overlaps.size >= 100_000) overlaps.clear()
    overlaps.set(key, overlap)
  }
  return overlap
}

/** `type:service/name` */
export function formatResource(pattern: ResourcePattern): string {
  return `${pattern.type}:${pattern.service}/${pattern.name}`
}
