// The one ordering for every list rolecall prints, so output is the same bytes on every machine.

const collator = new Intl.Collator('en', { sensitivity: 'variant', numeric: true })

/** Locale-independent, numeric-aware string order; ties broken by code units so it is total. */
export function compareStrings(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0)
}
