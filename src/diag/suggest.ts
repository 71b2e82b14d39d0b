// Did-you-mean suggestions for misspelt keys and names.

/** Optimal string alignment distance (Levenshtein plus adjacent transposition), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  if (s === t) return 0
  const rows = s.length + 1
  const cols = t.length + 1
  const d: number[] = new Array<number>(rows * cols).fill(0)
  const at = (i: number, j: number) => d[i * cols + j] ?? 0
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1)
      }
      d[i * cols + j] = best
    }
  }
  return at(rows - 1, cols - 1)
}

/** The closest candidate within a distance that scales with length, or undefined. Ties go to the first candidate in sorted order. */
export function didYouMean(given: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(given.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of [...candidates].sort()) {
    if (candidate === given) continue
    if (Math.abs(candidate.length - given.length) > limit) continue
    const distance = editDistance(given, candidate)
    if (distance <= limit && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** `; did you mean "x"?` or an empty string. */
export function suggestion(given: string, candidates: Iterable<string>, quote = '"'): string {
  const match = didYouMean(given, candidates)
  return match === undefined ? '' : `; did you mean ${quote}${match}${quote}?`
}
