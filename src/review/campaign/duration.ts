// Campaign durations (`14d`, `12w`) as milliseconds, and dates after them.

const day = 24 * 60 * 60 * 1000

/** Milliseconds of a duration the Review schema accepted (`<n>d` or `<n>w`). */
export function durationMs(text: string): number {
  const match = /^([1-9][0-9]{0,3})([dw])$/.exec(text)
  if (match === null) throw new Error(`not a duration: ${text}`)
  return Number(match[1]) * (match[2] === 'w' ? 7 : 1) * day
}

/** `at` plus the duration, as an RFC 3339 timestamp. */
export function addDuration(at: Date | string, text: string): string {
  return new Date(new Date(at).getTime() + durationMs(text)).toISOString()
}
