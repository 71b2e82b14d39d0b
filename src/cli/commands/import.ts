// rolecall import: write access files from an existing store, to bootstrap a repository.
import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { stringify } from 'yaml'
import { RolecallError, UsageError } from '../../errors.js'
import { compareStrings } from '../../util/compare.js'
import { withStore } from '../desired.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { importSpec } from '../specs/inspect.js'
import { startProgress } from '../progress.js'

type FileDocs = Map<string, Record<string, unknown>[]>

/** The applied documents grouped by the file they came from, paths made relative to the access directory they were applied from. */
function filesOfApplied(documents: readonly { file: string; doc: Record<string, unknown> }[]): FileDocs {
  const files: FileDocs = new Map()
  const prefix = commonDirectory(documents.map((entry) => entry.file))
  for (const entry of documents) {
    const file = entry.file.slice(prefix.length).replace(/^\/+/, '') || 'access.yaml'
    files.set(file, [...(files.get(file) ?? []), entry.doc])
  }
  return files
}

function commonDirectory(paths: readonly string[]): string {
  const split = paths.map((path) => path.split('/').slice(0, -1))
  const first = split[0] ?? []
  let length = first.length
  for (const parts of split) {
    let i = 0
    while (i < length && parts[i] === first[i]) i++
    length = i
  }
  return first.slice(0, length).join('/')
}

/** No apply yet: an Organization with the store's connections and one unmapped-access Group per IdP group. */
function skeleton(connections: readonly string[], groups: readonly { connection: string; displayName: string }[]): FileDocs {
  const files: FileDocs = new Map()
  files.set('org/organization.yaml', [{ kind: 'Organization', name: 'imported', connections: connections.map((name) => ({ name, provider: 'generic' })) }])
  files.set('org/catalog.yaml', [{ kind: 'Catalog', name: 'imported', permissions: [], resourceTypes: [] }])
  for (const group of groups) {
    const file = `groups/${group.connection}.yaml`
    files.set(file, [...(files.get(file) ?? []), { kind: 'Group', name: `${group.connection} ${group.displayName}`, source: { scim: { connection: group.connection, displayName: group.displayName } } }])
  }
  return files
}

export async function run({ values }: Parsed<typeof importSpec>, io: Io): Promise<number> {
  if (values.out === undefined) throw new UsageError('import: --out DIR is required')
  const out = resolve(io.cwd, values.out)
  if (existsSync(out) && (await readdir(out)).length > 0 && values.force !== true) throw new RolecallError(`${out} is not empty; choose an empty directory or pass --force`)
  // A large organization's import reads the whole store and writes a file per team: its steps on a terminal.
  const progress = startProgress(io, values.quiet === true)
  let written
  try {
    progress.step('reading the store')
    written = await importFiles(values.db, out, io, (done, total) => progress.step('writing access files', { done, total }))
  } finally {
    progress.done()
  }
  io.out(`Wrote ${written.count} file${written.count === 1 ? '' : 's'} to ${relative(io.cwd, out) || '.'} from ${written.source}.\n`)
  return 0
}

/** Reads the store and writes its access files under `out`; `onFile` is told of each file written. */
async function importFiles(db: string | undefined, out: string, io: Io, onFile: (done: number, total: number) => void): Promise<{ count: number; source: string }> {
  const { files, source } = await withStore(db, io, async (store) => {
    const applied = await store.appliedState()
    if (applied !== undefined) return { files: filesOfApplied(applied.documents), source: `applied revision ${applied.revision.id}` }
    const snapshot = await store.snapshot()
    return { files: skeleton(await store.listConnections(), snapshot.groups), source: 'the SCIM directory (nothing applied yet: a skeleton that grants nothing)' }
  })
  const names = [...files.keys()].sort(compareStrings)
  for (const [index, file] of names.entries()) {
    onFile(index, names.length)
    const path = join(out, ...file.split('/'))
    await mkdir(dirname(path), { recursive: true })
    const schema = relative(dirname(path), resolve(io.cwd, 'schemas', 'access.schema.json'))
      .split(sep)
      .join('/')
    const body = (files.get(file) ?? []).map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n')
    await writeFile(path, `# yaml-language-server: $schema=${schema}\n${body}`)
  }
  return { count: files.size, source }
}
