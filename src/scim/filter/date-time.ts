// xsd:dateTime values (RFC 7643 §2.3.5), parsed strictly and written in the one form the store keeps.

/**
 * A dateTime as the store writes it: `new Date(…).toISOString()`, i.e. UTC, milliseconds, `Z`
 * (`2026-11-23T17:23:16.938Z`). Two values in this form compare as text in the order of their instants,
 * which is what lets filters compare `meta.lastModified` (and any dateTime attribute) in SQL.
 */
export type StoredDateTime = {
  text: string
  /** Milliseconds since the epoch. */
  ms: number
  /** Whether the value had a fraction finer than a millisecond, which `text` cuts off (floor). */
  hasSubMillisecond: boolean
}

// xsd:dateTime: optional fraction, optional zone (Z or ±hh:mm). `T` and `Z` are accepted in lower case too (RFC 3339 §5.6).
const pattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/i
const storedPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Parses an xsd:dateTime (`2026-11-23T17:23:16Z`, `2026-11-23T18:19:44+02:00`, `…16.938123Z`) into the stored
 * form; undefined for anything else (`Date.parse` also takes `"Nov 23 2026"`, `"2026"` and local times, which
 * it does not). A value without a zone is taken as UTC: xsd leaves its zone unknown, and the server's own
 * zone would make the answer depend on where rolecall runs. Years outside 0000–9999 are refused, since their
 * ISO form (`+010000-…`) would not sort as text.
 */
export function parseDateTime(text: string): StoredDateTime | undefined {
  const match = pattern.exec(text.trim())
  if (match === null) return undefined
  const [, yearText = '', monthText = '', dayText = '', hourText = '', minuteText = '', secondText = '', fraction = '', zone = 'Z'] = match
  const year = Number(yearText)
  const month = Number(monthText)
  const day = Number(dayText)
  const hour = Number(hourText)
  const minute = Number(minuteText)
  const second = Number(secondText)
  const isEndOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction)
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  if ((hour > 23 && !isEndOfDay) || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (zone.toUpperCase() !== 'Z') {
    const offsetHours = Number(zone.slice(1, 3))
    const offsetRest = Number(zone.slice(4, 6))
    // xsd:dateTime zones run from -14:00 to +14:00.
    if (offsetRest > 59 || offsetHours * 60 + offsetRest > 14 * 60) return undefined
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest)
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'))
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute - offsetMinutes, second, millis)
  const ms = date.getTime()
  if (Number.isNaN(ms)) return undefined
  const stored = date.toISOString()
  if (!storedPattern.test(stored)) return undefined
  return { text: stored, ms, hasSubMillisecond: /[1-9]/.test(fraction.slice(3)) }
}
