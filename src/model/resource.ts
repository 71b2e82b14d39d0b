// Resource patterns `type:service/name`: parsing, and glob matching of each part.
import picomatch from 'picomatch'

export type ResourcePattern = { type: string; service: string; name: string }

export type ParsedPattern = { pattern: ResourcePattern } | { error: string }

const partText = /^[A-Za-z0-9*?._@{},[\]!-]+$/

/** True when a pattern part holds glob syntax rather than one literal name. */
export function isGlob(part: string): boolean {
  return /[*?[\]{}!]/.test(part)
}

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
    if (!partText.test(part)) return { error: `has an invalid ${label} part "${part}": use letters, digits, . _ - @ and glob characters` }
    if (isGlob(part) && !isValidGlob(part)) return { error: `has a malformed glob in its ${label} part "${part}"` }
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

const matchers = new Map<string, (value: string) => boolean>()

/** Does `value` match the glob (or literal) `part`? Compiled matchers are cached, literals' too (one lookup per call). */
export function matchesPart(part: string, value: string): boolean {
  let matcher = matchers.get(part)
  if (matcher === undefined) {
    if (isGlob(part)) {
      // The regular expression picomatch's matcher runs, without its per-call option handling.
      const pattern = picomatch.makeRe(part, { dot: true })
      matcher = (text) => text === part || pattern.test(text)
    } else {
      matcher = (text) => text === part
    }
    // Parts come from the access files, but keep the cache bounded all the same.
    if (matchers.size >= 100_000) matchers.clear()
    matchers.set(part, matcher)
  }
  return matcher(value)
}

/** `type:service/name` */
export function formatResource(pattern: ResourcePattern): string {
  return `${pattern.type}:${pattern.service}/${pattern.name}`
}
