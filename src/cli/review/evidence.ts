// rolecall review evidence ID --out DIR and rolecall review verify DIR: the auditor's bundle, and its check against the store.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { directoryOf } from '../../apply/store-base.js'
import type { Directory } from '../../engine/types.js'
import { RolecallError } from '../../errors.js'
import { stateFromDocuments, type StateDocument } from '../../model/documents.js'
import { standingApprovals } from '../../review/approvals.js'
import { breakGlassAt } from '../../review/campaign/break-glass-at.js'
import { decisionEvidence, makeManifest, sha256HexAside, populationCsv, renderSummary, type Manifest, type PullRequestEvidence } from '../../review/campaign/bundle.js'
import { revocationEffects, type AppliedStep, type RevocationEffect } from '../../review/campaign/effect.js'
import { populationOf, type PopulationRow } from '../../review/campaign/population.js'
import type { ClosureRecord, ReviewRecord } from '../../review/campaign/record.js'
import { checkManifest, compareCsv, compareRows } from '../../review/campaign/verify.js'
import { parseEvent, parseReviews } from '../../review/review-inputs.js'
import type { Store } from '../../store/store.js'
import { readJsonInput } from '../commands/approvals.js'
import { withStore } from '../desired.js'
import type { Io } from '../io.js'
import { findReview, readPopulation } from '../review-files.js'
import { readIdentities } from './progress.js'

/** When each revocation took effect, from the applied-revision ledger and the audit log of SCIM writes. */
async function effectsOf(store: Store, record: ReviewRecord, closure: ClosureRecord, rows: readonly PopulationRow[], frozen: Directory, now: Date): Promise<RevocationEffect[]> {
  // Nothing revoked: nothing to follow through the ledger and the audit log.
  if (!closure.items.some((item) => item.outcome === 'revoked')) return []
  const closedAt = new Date(closure.closedAt).getTime()
  const revisions = (await store.listAppliedRevisions()).filter((revision) => new Date(revision.appliedAt).getTime() >= closedAt).sort((a, b) => a.number - b.number)
  const steps: AppliedStep[] = []
  for (const revision of revisions) {
    const applied = await store.appliedRevision(revision.id)
    if (applied !== undefined) steps.push({ id: revision.id, appliedAt: revision.appliedAt, commit: revision.commit, state: stateFromDocuments(applied.documents as StateDocument[], now) })
  }
  const [snapshot, latest, breakGlass] = await Promise.all([store.snapshot(), store.appliedState(), store.listBreakGlass()])
  const live = directoryOf(snapshot)
  const writes: { at: string; resourceType: string | null; resourceId: string | null }[] = []
  await store.exportAudit((entry) => {
    if (entry.seq > record.storeRevision && new Date(entry.at).getTime() >= closedAt && (entry.resourceType === 'Group' || entry.resourceType === 'User'))
      writes.push({ at: entry.at, resourceType: entry.resourceType, resourceId: entry.resourceId })
  })
  const membershipChangedAt = (connection: string, displayName: string, user: string): string | undefined => {
    const groupIds = new Set(frozen.groups.filter((group) => group.connection === connection && group.displayName === displayName).map((group) => group.id))
    const userIds = new Set(frozen.users.filter((entry) => entry.connection === connection && entry.userName.toLowerCase() === user.toLowerCase()).map((entry) => entry.id))
    return writes.find((write) => (write.resourceType === 'Group' && groupIds.has(write.resourceId ?? '')) || (write.resourceType === 'User' && userIds.has(write.resourceId ?? '')))?.at
  }
  return revocationEffects({ closure, rows, steps, frozen, live, latest: latest === undefined ? undefined : stateFromDocuments(latest.documents as StateDocument[], now), now, breakGlass: breakGlassAt(breakGlass, now), membershipChangedAt })
}

export async function writeEvidence(
  options: { id: string; reviews: string; db: string | undefined; out: string | undefined; identities: string | undefined; event: string | undefined; prReviews: string | undefined },
  io: Io,
  now: Date,
): Promise<number> {
  if (options.out === undefined) throw new RolecallError('review evidence needs --out DIR')
  const folder = await findReview(options.reviews, options.id)
  const closure = folder.closure
  if (closure === undefined) throw new RolecallError(`review ${options.id} is not closed yet: run \`rolecall review close ${options.id}\` first`)
  const rows = await readPopulation(folder)
  const directoryBytes = await readFile(join(folder.path, 'directory.json.gz'))
  const frozen = JSON.parse(gunzipSync(directoryBytes).toString('utf8')) as Directory
  const identities = await readIdentities(options.identities, io)
  let pullRequest: PullRequestEvidence = { note: 'not given (pass --event and --pr-reviews)' }
  if (options.event !== undefined && options.prReviews !== undefined) {
    const info = await readJsonInput('event', resolve(io.cwd, options.event), parseEvent)
    const reviews = await readJsonInput('pr-reviews', resolve(io.cwd, options.prReviews), parseReviews)
    pullRequest = { ...info, approvers: standingApprovals(reviews, info, identities).approvers }
  }
  const effects = await withStore(
    options.db,
    io,
    async (store) => {
      return effectsOf(store, folder.record, closure, rows, frozen, now)
    },
    'read',
  )
  const decisions = decisionEvidence(closure, identities)
  const text = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`)
  const files = new Map<string, Uint8Array>([
    ['review.json', await readFile(join(folder.path, 'review.json'))],
    ['population.json', await readFile(join(folder.path, 'population.json'))],
    ['population.csv', Buffer.from(populationCsv(rows))],
    ['directory.json.gz', directoryBytes],
    ['closure.json', await readFile(join(folder.path, 'closure.json'))],
    ['decisions.json', text(decisions)],
    ['pull-request.json', text(pullRequest)],
    ['revocations.json', text(effects)],
    ['summary.md', Buffer.from(renderSummary({ record: folder.record, closure, decisions, effects, pullRequest }))],
  ])
  const out = resolve(io.cwd, options.out)
  await mkdir(out, { recursive: true })
  for (const [file, bytes] of files) await writeFile(join(out, file), bytes)
  await writeFile(join(out, 'manifest.json'), text(makeManifest(folder.record.id, files)))
  const pending = effects.filter((effect) => !effect.isRemovedNow)
  io.out(`Wrote the evidence of review ${folder.record.id} to ${out}: ${rows.length} population rows, ${decisions.length} decisions, ${effects.length} revocations (${pending.length} not in effect yet).\n`)
  return 0
}

export async function verifyEvidence(options: { dir: string | undefined; db: string | undefined }, io: Io, now: Date): Promise<number> {
  if (options.dir === undefined) throw new RolecallError('review verify needs the bundle directory')
  const dir = resolve(io.cwd, options.dir)
  const names = (await readdir(dir).catch(() => [])).filter((name) => name !== 'manifest.json')
  if (names.length === 0) throw new RolecallError(`no evidence bundle at ${dir}`)
  const files = new Map<string, Uint8Array>(await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const)))
  const json = <T>(name: string): T => {
    const bytes = files.get(name)
    if (bytes === undefined) throw new RolecallError(`${name} is missing from the bundle`)
    try {
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T
    } catch {
      throw new RolecallError(`${name} in the bundle is not JSON`)
    }
  }
  const problems: string[] = []
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => '{"files":[]}')) as Manifest
  // Hashed on the thread pool while the population is recomputed below.
  const manifestChecked = checkManifest(manifest, files)
  manifestChecked.catch(() => undefined)
  const record = json<ReviewRecord>('review.json')
  const closure = json<ClosureRecord>('closure.json')
  const rows = json<PopulationRow[]>('population.json')
  const frozenBytes = gunzipSync(files.get('directory.json.gz') ?? new Uint8Array())
  const frozenDigest = sha256HexAside(frozenBytes).then((hex) => `sha256:${hex}`)
  frozenDigest.catch(() => undefined)
  const frozen = JSON.parse(frozenBytes.toString('utf8')) as Directory
  const checked = await withStore(
    options.db,
    io,
    async (store) => {
      const found: string[] = []
      const applied = await store.appliedRevision(record.appliedRevision)
      if (applied === undefined) throw new RolecallError(`the store has no applied revision ${record.appliedRevision}: this bundle is not of this store`)
      const openedAt = new Date(record.openedAt)
      const state = stateFromDocuments(applied.documents as StateDocument[], openedAt)
      const population = populationOf(record.definition, state, frozen, { now: openedAt, breakGlass: breakGlassAt(await store.listBreakGlass(), openedAt) })
      if (population.digest !== record.digest) found.push(`population: the digest recomputed from the store is ${population.digest}, the review recorded ${record.digest}`)
      if (population.rows.length !== record.count) found.push(`population: ${population.rows.length} rows recomputed, the review recorded ${record.count}`)
      found.push(...compareRows(population.rows, rows, 'population.json'))
      found.push(...compareCsv(population.rows, Buffer.from(files.get('population.csv') ?? new Uint8Array()).toString('utf8'), 'population.csv'))
      const audit = await store.verifyAudit()
      if (!audit.ok) found.push(`audit: the store's audit chain does not verify: ${audit.reason}`)
      let hashAt: string | undefined
      await store.exportAudit((entry) => {
        if (entry.seq === record.storeRevision) hashAt = entry.hash
      })
      if (hashAt !== record.auditHash) found.push(`audit: entry ${record.storeRevision} has hash ${hashAt ?? 'none'}, the review recorded ${record.auditHash ?? 'none'}`)
      for (const effect of await effectsOf(store, record, closure, population.rows, frozen, now)) {
        if (!effect.isRemovedNow) found.push(`revocation ${effect.id} (${effect.user}: ${effect.key}) has not taken effect: the applied access still gives it`)
      }
      return { found, count: population.rows.length }
    },
    'read',
  )
  problems.push(...(await manifestChecked))
  const directoryDigest = await frozenDigest
  if (directoryDigest !== record.directoryDigest) problems.push(`directory.json.gz: its digest ${directoryDigest} is not the one recorded at opening (${record.directoryDigest})`)
  problems.push(...checked.found)
  if (problems.length > 0) {
    for (const problem of problems) io.out(`MISMATCH ${problem}\n`)
    io.out(`Evidence of review ${record.id} does not verify: ${problems.length} problem${problems.length === 1 ? '' : 's'}.\n`)
    return 1
  }
  io.out(
    `Evidence of review ${record.id} verifies: manifest (${manifest.files.length} files), population (${checked.count} rows, complete and accurate against applied revision ${record.appliedRevision} at store revision ${record.storeRevision}), audit chain, every revocation in effect.\n`,
  )
  return 0
}
