// The People search both backends run: users of every connection whose userName, displayName, formatted name or an
// email contains the text, case-insensitively, by userName then connection, one page at a time. Each backend keeps a
// search text per user (those values lower-cased, one per line) with a trigram index beside it.

/** A page of a search: `offset` rows skipped, at most `limit` returned (1 to 200). */
export type PeoplePage = { offset: number; limit: number }

/** Most rows a page returns. */
export const maxPeoplePage = 200

/**
 * Up to this many matches a search reads them through the trigram index and sorts them; past it, matches are dense
 * enough that walking users in userName order and testing each finds a page sooner.
 */
export const sparseMatches = 2000

/** The text searched for: trimmed, lower-cased, without control characters (no stored value holds one); '' for everyone. */
export function searchNeedle(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .toLowerCase()
}

/** The LIKE pattern (escaped with `\`) that finds `text` anywhere, lower-cased; undefined for no text (everyone). */
export function containsPattern(text: string): string | undefined {
  const needle = searchNeedle(text)
  return needle === '' ? undefined : `%${needle.replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}

/** True when a trigram index can find `needle`: it holds at least three characters. */
export function isIndexable(needle: string): boolean {
  return [...needle].length >= 3
}

export function clampPage(page: PeoplePage): PeoplePage {
  return { offset: Math.max(0, Math.floor(page.offset)), limit: Math.min(maxPeoplePage, Math.max(1, Math.floor(page.limit))) }
}
