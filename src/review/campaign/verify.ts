// Verifying an evidence bundle: its files against the manifest, and its population, row by row, against the one
// recomputed from the store's history.
import { canonicalJson, isSameJson } from '../../util/digest.js'
import { csvColumns, csvValue, parseCsv, populationCsv, sha256HexAside, type Manifest } from './bundle.js'
import type { PopulationRow } from './population.js'

/** Each file that is missing, altered or not listed (the files hashed on the thread pool, all at once). */
export async function checkManifest(manifest: Manifest, files: ReadonlyMap<string, Uint8Array>): Promise<string[]> {
  const problems: string[] = []
  const listed = new Set(manifest.files.map((entry) => entry.file))
  const hashes = await Promise.all(manifest.files.map((entry) => (files.has(entry.file) ? sha256HexAside(files.get(entry.file) as Uint8Array) : undefined)))
  manifest.files.forEach((entry, index) => {
    const hash = hashes[index]
    if (hash === undefined) problems.push(`${entry.file}: listed in the manifest but missing`)
    else if (hash !== entry.sha256) problems.push(`${entry.file}: SHA-256 ${hash} does not match the manifest's ${entry.sha256}`)
  })
  for (const file of files.keys()) if (!listed.has(file)) problems.push(`${file}: not listed in the manifest`)
  return problems
}

/** Rows missing from `given`, rows it adds, and rows it changed, against `expected` (by id). */
export function compareRows(expected: readonly PopulationRow[], given: readonly PopulationRow[], file: string): string[] {
  const problems: string[] = []
  const byId = new Map(expected.map((row) => [row.id, row]))
  const seen = new Set<string>()
  given.forEach((row, index) => {
    const want = byId.get(row.id)
    if (want === undefined) problems.push(`${file} row ${index + 1} (${row.id}, ${row.user}: ${row.access}): not in the population recomputed from the store (added)`)
    // The same value is the same row, whatever the order its fields were written in.
    else if (!isSameJson(want, row)) problems.push(`${file} row ${index + 1} (${row.id}): differs from the recomputed row: ${differingFields(want, row).join(', ')}`)
    seen.add(row.id)
  })
  for (const row of expected) if (!seen.has(row.id)) problems.push(`${file}: row ${row.id} (${row.user}: ${row.access}) of the recomputed population is missing`)
  return problems
}

function differingFields(a: PopulationRow, b: PopulationRow): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys]
    .filter((key) => canonicalJson((a as Record<string, unknown>)[key]) !== canonicalJson((b as Record<string, unknown>)[key]))
    .map((key) => `${key} is ${JSON.stringify((b as Record<string, unknown>)[key])}, expected ${JSON.stringify((a as Record<string, unknown>)[key])}`)
}

/** The CSV against the recomputed rows, line by line (line 1 is the header). */
export function compareCsv(expected: readonly PopulationRow[], text: string, file: string): string[] {
  // The file as the bundle wrote it has nothing to report; anything else is read line by line to say what differs.
  if (text === populationCsv(expected)) return []
  const records = parseCsv(text)
  const [header, ...lines] = records
  if (header?.join(',') !== csvColumns.join(',')) return [`${file}: the header is not ${csvColumns.join(',')}`]
  const problems: string[] = []
  const byId = new Map(expected.map((row) => [row.id, row]))
  const seen = new Set<string>()
  lines.forEach((fields, index) => {
    const id = fields[0] ?? ''
    const want = byId.get(id)
    if (want === undefined) return problems.push(`${file} line ${index + 2} (${id}): not in the population recomputed from the store (added)`)
    seen.add(id)
    const wrong = csvColumns.filter((column, position) => csvValue(want, column) !== (fields[position] ?? ''))
    if (wrong.length > 0)
      problems.push(`${file} line ${index + 2} (${id}): ${wrong.map((column) => `${column} is ${JSON.stringify(fields[csvColumns.indexOf(column)] ?? '')}, expected ${JSON.stringify(csvValue(want, column))}`).join(', ')}`)
  })
  for (const row of expected) if (!seen.has(row.id)) problems.push(`${file}: row ${row.id} (${row.user}: ${row.access}) of the recomputed population is missing`)
  return problems
}
