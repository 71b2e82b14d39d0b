// Text that SCIM request bodies may carry: UTF-8, no control characters, no lone surrogates, bounded lengths.
import { ScimError, type ScimErrorType } from '../errors.js'
import { firstInvalidUtf8 } from '../load/text.js'

/**
 * The longest values accepted, in characters (Unicode code points). RFC 7643 has no maxLength characteristic, so
 * /Schemas says these in the attributes' descriptions. Far above what IdPs allow: Okta's usernames are at most 100
 * characters, Entra's userPrincipalName 113, a group name 255 (Okta) or 256 (Entra), Entra's and Okta's object ids
 * (what externalId carries) 36 and 20; an email address is at most 254 (RFC 5321 §4.5.3.1.3).
 */
export const valueLimits = {
  userName: 512,
  displayName: 1024,
  externalId: 512,
  /** Every other string, at any depth: an X.509 certificate in base64 is a few thousand. */
  string: 65536,
  /** An attribute name (a JSON member name), unknown attributes kept as sent included. */
  name: 1024,
}

/**
 * C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F), and a UTF-16 surrogate that is not half of a pair
 * (`\p{Cs}` under the `u` flag matches only those: a pair is one code point). No IdP sends either; SQLite, logs,
 * terminals and the files `rolecall import` writes would each read them differently.
 */
const unsafeInLine = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|\p{Cs}/u
/**
 * The same, but TAB, LF and CR and Unicode's line and paragraph separators (U+2028, U+2029): what free text
 * (addresses.formatted, RFC 7643 §4.1.2) may hold. One line (`line`) holds none of them.
 */
const unsafeInText = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\p{Cs}/u

/** Which characters a string may hold: `line` is one line (identifiers, codes, names); `text` may break lines. */
export type TextKind = 'line' | 'text'

function codePoint(text: string, at: number): string {
  return `U+${(text.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

/** Characters (code points) in `text`: its UTF-16 length less one for each surrogate pair. */
function characters(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/**
 * What is wrong with `text` as a value of kind `kind` no longer than `limit` characters, or undefined when nothing
 * is. The common case (short, clean) costs one regular-expression test.
 */
export function textProblem(text: string, kind: TextKind, limit: number = valueLimits.string): string | undefined {
  const found = (kind === 'line' ? unsafeInLine : unsafeInText).exec(text)
  if (found !== null) {
    const at = found.index
    const unit = text.charCodeAt(at)
    if (unit >= 0xd800 && unit <= 0xdfff) return `contains a lone UTF-16 surrogate (${codePoint(text, at)}), which encodes no character`
    const onlyInText = ': tabs and line breaks are allowed only in free text such as addresses.formatted'
    if (unit === 0x09 || unit === 0x0a || unit === 0x0d) return `contains the control character ${codePoint(text, at)}${onlyInText}`
    if (unit === 0x2028 || unit === 0x2029) return `contains the ${unit === 0x2028 ? 'line' : 'paragraph'} separator ${codePoint(text, at)}${onlyInText}`
    return `contains the control character ${codePoint(text, at)}`
  }
  // A string of n UTF-16 units holds at most n characters: only a long one is counted.
  if (text.length > limit) {
    const length = characters(text)
    if (length > limit) return `is ${length} characters long; at most ${limit} are accepted`
  }
  return undefined
}

/** Throws 400 `scimType` naming `where` when `text` is not a clean value of its kind. */
export function checkText(text: string, where: string, kind: TextKind, scimType: ScimErrorType, limit?: number): void {
  const problem = textProblem(text, kind, limit)
  if (problem !== undefined) throw new ScimError(400, scimType, `${where} ${problem}`)
}

function child(where: string, key: string): string {
  return where === '' ? key : `${where}.${key}`
}

/**
 * Refuses, at any depth of `value`, a string that holds a control character other than TAB, LF and CR, or a lone
 * surrogate (400 `invalidValue`), and a member name that holds any of those
 * or is longer than valueLimits.name (400 `invalidSyntax`: the name is wrong, whatever its value; as for
 * `__proto__`, see own-keys.ts). `where` names `value` in the detail (`Operations[0].value`); '' for a whole body.
 * What each attribute may hold beyond that (one line, a length) is values.ts's to say, on the document.
 */
export function refuseUnsafeStrings(value: unknown, where = ''): void {
  if (typeof value === 'string') {
    // Lengths are values.ts's, on the document, where each attribute's own limit is known.
    checkText(value, where === '' ? 'the value' : where, 'text', 'invalidValue', Infinity)
    return
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) refuseUnsafeStrings(item, `${where}[${index}]`)
    return
  }
  if (value === null || typeof value !== 'object') return
  for (const [key, item] of Object.entries(value)) {
    const problem = textProblem(key, 'line', valueLimits.name)
    if (problem !== undefined) throw new ScimError(400, 'invalidSyntax', `the member name ${JSON.stringify(key.slice(0, 64))} in ${where === '' ? 'the body' : where} ${problem}`)
    refuseUnsafeStrings(item, child(where, key))
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The answer to a request body that is not UTF-8 (RFC 8259 §8.1), which the pipeline refuses rather than read
 * with U+FFFD in place of each bad sequence (that would make different byte strings one userName): inside a string,
 * 400 `invalidValue` naming the attribute (`userName`, `Operations[0].value.title`); in a member name or between
 * values, `invalidSyntax`. Each says where the first bad byte is.
 */
export function notUtf8Error(bytes: Uint8Array): ScimError {
  const offset = Math.max(0, firstInvalidUtf8(bytes))
  const at = `at byte ${offset} (0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')})`
  const place = jsonPlaceAt(utf8.decode(bytes.subarray(0, offset)))
  if (place?.kind === 'value') return new ScimError(400, 'invalidValue', `${place.path === '' ? 'the body' : place.path} is not valid UTF-8 ${at}`)
  if (place?.kind === 'name') return new ScimError(400, 'invalidSyntax', `a member name in ${place.path === '' ? 'the body' : place.path} is not valid UTF-8 ${at}`)
  return new ScimError(400, 'invalidSyntax', `request body is not valid UTF-8 ${at}`)
}

type Frame = { kind: 'object'; key?: string; isKeyNext: boolean } | { kind: 'array'; index: number }

/**
 * Where the end of `prefix` (the start of a JSON text) lies: inside a string value (with its path, as in
 * `Operations[0].value.displayName`), inside a member name (with the path of its object), or elsewhere (undefined).
 */
export function jsonPlaceAt(prefix: string): { kind: 'value' | 'name'; path: string } | undefined {
  const stack: Frame[] = []
  let stringStart = -1
  let isName = false
  const pathOf = (frames: Frame[]) =>
    frames.reduce((path, frame) => (frame.kind === 'array' ? `${path}[${frame.index}]` : frame.key === undefined ? path : child(path, frame.key)), '')
  for (let i = 0; i < prefix.length; i++) {
    const char = prefix[i]
    const top = stack[stack.length - 1]
    if (stringStart >= 0) {
      if (char === '\\') i++
      else if (char === '"') {
        if (isName && top?.kind === 'object') {
          try {
            top.key = String(JSON.parse(prefix.slice(stringStart, i + 1)))
          } catch {
            top.key = prefix.slice(stringStart + 1, i)
          }
        }
        stringStart = -1
      }
      continue
    }
    if (char === '"') {
      stringStart = i
      isName = top?.kind === 'object' && top.isKeyNext
    } else if (char === '{') stack.push({ kind: 'object', isKeyNext: true })
    else if (char === '[') stack.push({ kind: 'array', index: 0 })
    else if (char === '}' || char === ']') stack.pop()
    else if (char === ':' && top?.kind === 'object') top.isKeyNext = false
    else if (char === ',' && top !== undefined) {
      if (top.kind === 'array') top.index++
      else top.isKeyNext = true
    }
  }
  if (stringStart < 0) return undefined
  if (isName) return { kind: 'name', path: pathOf(stack.map((frame, i) => (i === stack.length - 1 && frame.kind === 'object' ? { kind: 'object', isKeyNext: true } : frame))) }
  return { kind: 'value', path: pathOf(stack) }
}
