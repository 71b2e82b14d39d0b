// The People search both backends run: users of every connection whose userName, displayName, formatted name or an
// email contains the text, case-insensitively, by userName then connection, one page at a time.

/** A page of a search: `offset` rows skipped, at most `limit` returned (1 to 200). */
export type PeoplePage = { offset: number; limit: number }

/** Most rows a page returns. */
export const maxPeoplePage = 200

/** The LIKE pattern (escaped with `\`) that finds `text` anywhere, lower-cased; undefined for no text (everyone). */
export function containsPattern(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase()
  return trimmed === '' ? undefined : `%${trimmed.replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}

export function clampPage(page: PeoplePage): PeoplePage {
  return { offset: Math.max(0, Math.floor(page.offset)), limit: Math.min(maxPeoplePage, Math.max(1, Math.floor(page.limit))) }
}
