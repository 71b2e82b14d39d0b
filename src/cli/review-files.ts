// The reviews/ directory on disk: each campaign's opened reviews, read and written as files for pull requests.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import type { Directory } from '../engine/types.js'
import { RolecallError } from '../errors.js'
import type { ClosureRecord, ReviewRecord } from '../review/campaign/record.js'
import type { PopulationRow } from '../review/campaign/population.js'
import { compareStrings } from '../util/compare.js'
import { envSetting } from './args.js'
import type { Io } from './io.js'

/** One opened review on disk. */
export type ReviewFolder = { path: string; record: ReviewRecord; closure: ClosureRecord | undefined }

/** The reviews directory: --reviews, else ROLECALL_REVIEWS_DIR, else ./reviews. */
export function reviewsDirOption(value: string | undefined, io: Io): string {
  return resolve(io.cwd, value ?? envSetting(io.env, 'ROLECALL_REVIEWS_DIR') ?? 'reviews')
}

async function readJson<T>(path: string): Promise<T> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new RolecallError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  })
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new RolecallError(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

/** Every review under `dir` (of one campaign, when given), sorted by campaign then opening time. */
export async function listReviews(dir: string, campaign?: string): Promise<ReviewFolder[]> {
  const campaigns = campaign === undefined ? await readdir(dir).catch(() => []) : [campaign]
  const folders: ReviewFolder[] = []
  for (const name of campaigns.sort(compareStrings)) {
    for (const id of (await readdir(join(dir, name)).catch(() => [])).sort(compareStrings)) {
      const path = join(dir, name, id)
      if (!(await exists(join(path, 'review.json')))) continue
      const record = await readJson<ReviewRecord>(join(path, 'review.json'))
      const closure = (await exists(join(path, 'closure.json'))) ? await readJson<ClosureRecord>(join(path, 'closure.json')) : undefined
      folders.push({ path, record, closure })
    }
  }
  return folders.sort((a, b) => compareStrings(a.record.campaign, b.record.campaign) || compareStrings(a.record.openedAt, b.record.openedAt))
}

/** The review with this id (ids are unique across campaigns: they hold the population's digest). */
export async function findReview(dir: string, id: string): Promise<ReviewFolder> {
  const all = await listReviews(dir)
  const found = all.find((folder) => folder.record.id === id)
  if (found !== undefined) return found
  const ids = all.map((folder) => folder.record.id)
  throw new RolecallError(`no review "${id}" under ${dir}${ids.length === 0 ? ' (none is open)' : `; reviews: ${ids.join(', ')}`}`)
}

export async function readPopulation(folder: ReviewFolder): Promise<PopulationRow[]> {
  return readJson<PopulationRow[]>(join(folder.path, 'population.json'))
}

export async function readItemsText(folder: ReviewFolder): Promise<{ file: string; text: string }> {
  const file = join(folder.path, 'items.yaml')
  return { file, text: await readFile(file, 'utf8') }
}

/** The directory a review froze, in the canonical order it was digested in. */
export function canonicalDirectory(directory: Directory): Directory {
  const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const memberships = [...directory.memberships].map(({ groupId, userId }) => ({ groupId, userId })).sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
  // Plain JSON values (no undefined fields), so that the digest taken now is the digest of the file read back.
  const users = directory.users.map(({ id, connection, userName, externalId, active }) => ({ id, connection, userName, ...(externalId === undefined ? {} : { externalId }), active }))
  const groups = directory.groups.map(({ id, connection, displayName, externalId }) => ({ id, connection, displayName, ...(externalId === undefined ? {} : { externalId }) }))
  return { users: byId(users), groups: byId(groups), memberships }
}

/**
 * The frozen directory as written into the review: its gzipped text (compressed on libuv's thread pool, so that the
 * population is computed meanwhile) and its digest, sha256 of the text.
 */
export function frozenDirectory(directory: Directory): { gzipped: Promise<Buffer>; digest: string } {
  const text = JSON.stringify(canonicalDirectory(directory))
  const gzipped = promisify(gzip)(text, { level: 1 })
  // Awaited when the review is written; a failure before then is reported there, not as an unhandled rejection.
  gzipped.catch(() => undefined)
  return { gzipped, digest: `sha256:${createHash('sha256').update(text).digest('hex')}` }
}

export async function readFrozenDirectory(folder: ReviewFolder): Promise<Directory> {
  const bytes = await readFile(join(folder.path, 'directory.json.gz'))
  return JSON.parse((await promisify(gunzip)(bytes)).toString('utf8')) as Directory
}

/** Write the files of a newly opened review; refuses to overwrite one already opened. */
export async function writeOpenedReview(dir: string, record: ReviewRecord, files: { population: PopulationRow[]; items: string; directory: Promise<Buffer> }): Promise<string> {
  const path = join(dir, record.campaign, record.id)
  if (await exists(join(path, 'review.json'))) throw new RolecallError(`review ${record.id} is already open at ${path}`)
  await mkdir(path, { recursive: true })
  await writeFile(join(path, 'population.json'), `${JSON.stringify(files.population, null, 1)}\n`)
  await writeFile(join(path, 'directory.json.gz'), await files.directory)
  await writeFile(join(path, 'items.yaml'), files.items)
  await writeFile(join(path, 'review.json'), `${JSON.stringify(record, null, 2)}\n`)
  return path
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`)
}

/** The git commit of the access files: --commit, else GITHUB_SHA, else `git rev-parse HEAD` in the working directory, else null. */
export async function currentCommit(value: string | undefined, io: Io): Promise<string | null> {
  const given = value ?? (io.env.GITHUB_SHA === '' ? undefined : io.env.GITHUB_SHA)
  if (given !== undefined) return given
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: io.cwd })
    return stdout.trim() === '' ? null : stdout.trim()
  } catch {
    return null
  }
}
