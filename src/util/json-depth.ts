// How deeply a JSON text nests, measured on the text so that a hostile body is refused before anything parses it.

/**
 * Whether `text` opens more than `limit` arrays/objects inside one another (`{}` is depth 1, `{"a":[]}` depth 2).
 * One iterative pass that stops at the first level past the limit; brackets inside strings do not count. The text
 * need not be valid JSON: what this says about invalid text is only "too deep or not", and JSON.parse judges the rest.
 */
export function isNestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x22) {
      // A string: jump to its closing quote, the next one behind an even number of backslashes. Strings are most of
      // a SCIM body, and indexOf skips them several times faster than a loop over each character.
      for (;;) {
        i = text.indexOf('"', i + 1)
        if (i === -1) return false
        let before = i - 1
        while (text.charCodeAt(before) === 0x5c) before--
        if ((i - 1 - before) % 2 === 0) break
      }
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true
    } else if (code === 0x5d || code === 0x7d) {
      depth--
    }
  }
  return false
}
