// Timestamps of the access language: a date (start of that day, UTC) or an RFC 3339 date-time.

const datePattern = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2}))?$/

/** The instant a timestamp names, or undefined when it is not a real date (2026-02-30, 25:00). */
export function parseTimestamp(text: string): Date | undefined {
  const match = datePattern.exec(text)
  if (match === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined
  if (zone !== 'Z' && zone !== 'z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number)
    if ((zh ?? 0) > 23 || (zm ?? 0) > 59) return undefined
  }
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone === 'z' ? 'Z' : zone}`
  const time = Date.parse(iso)
  return Number.isNaN(time) ? undefined : new Date(time)
}
