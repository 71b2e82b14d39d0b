// Remote mode: state, plans, apply, drift, explain and who-can over HTTP, for CI that cannot reach the database.
import { heldOf, type HeldSummary } from '../guard/held-directory.js'
import { applyPlan, ApplyRefusedError } from '../apply/apply.js'
import { activeBreakGlass, directoryOf, readPlanBase } from '../apply/store-base.js'
import { hasErrors } from '../diag/diagnostic.js'
import { checkAccess, type AccessQuestion } from '../engine/check.js'
import { computeEffectiveAccess, type EffectiveAccess } from '../engine/effective.js'
import { identitiesOf } from '../engine/identity.js'
import { personSubject, resolvePerson, type Person } from '../engine/person.js'
import { holdingAnswer, holdingsOf } from '../engine/answers.js'
import type { ChainsOf, Provenance } from '../engine/provenance.js'
import type { Holding } from '../engine/types.js'
import { readAnswerProvenance } from '../store/provenance.js'
import { isKnownUser, knownUserNames, namedConnections, questionProblem, unknownUserMessage } from '../engine/question-check.js'
import { StalePlanError } from '../errors.js'
import { resolvePositions } from '../load/load-access.js'
import { buildDesiredState } from '../model/build.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { DesiredState } from '../model/state.js'
import { computeDrift, driftBaselineProblem, driftListLimit, limitDrift } from '../plan/drift.js'
import { makePlanConcurrently } from '../plan/make-plan.js'
import { asPlan } from '../plan/plan-shape.js'
import type { Store } from '../store/store.js'
import { answerWhoCan, appliedAccess, type AppliedAccess } from './applied-access.js'
import { parseCheckBody } from './check-body.js'
import { jsonReply, type HttpReply } from '../http/exchange.js'
import type { Exchange, Guard, Route } from '../http/pipeline.js'
import type { ApplyMetricOutcome, ServerMetrics } from './metrics.js'
import { verifyApprovals, type ApprovalVerification } from './verified-approvals.js'

/** Largest body of a plan or apply request: a large organization's documents. */
export const maxAdminBodyBytes = 32 * 1024 * 1024

type Problem = { status: 400 | 409 | 422; body: Record<string, unknown> }

/** The body as JSON, or undefined when it is not JSON. */
function readJson(exchange: Exchange): unknown {
  const text = exchange.text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Desired documents sent by a client, validated as the CLI validates files. */
function desiredFrom(body: unknown, now: Date): { state: DesiredState } | Problem {
  const documents = (body as { documents?: unknown } | undefined)?.documents
  if (!Array.isArray(documents) || !documents.every((entry) => entry !== null && typeof entry === 'object' && typeof (entry as { file?: unknown }).file === 'string' && 'doc' in entry)) {
    return { status: 400, body: { error: '`documents` must be a list of {file, doc}' } }
  }
  const sources = (documents as { file: string; doc: unknown }[]).map((entry, index) => ({ file: entry.file, index, value: entry.doc }))
  const built = buildDesiredState(sources, now)
  const diagnostics = resolvePositions(built.diagnostics, new Map())
  if (hasErrors(diagnostics)) return { status: 422, body: { error: 'the access documents have errors', diagnostics } }
  return { state: built.state }
}

/** The 404 for a user who holds nothing, is not deactivated, and is known nowhere; undefined for anyone else. */
function unknownUser(live: AppliedAccess, user: string, key: string): { status: 404; body: { error: string } } | undefined {
  if (live.access.users.has(key) || live.access.inactive.has(key)) return undefined
  const known = live.knownUsers()
  return isKnownUser(user, known) ? undefined : { status: 404, body: { error: unknownUserMessage(user, known, live.source) } }
}

/** Where an answer on the applied access comes from, for the people and chains it names. */
function liveProvenance(store: Store, live: AppliedAccess, people: readonly ChainsOf[]): Promise<Provenance> {
  return readAnswerProvenance(store, { state: live.state, directory: live.snapshot, storeRevision: live.snapshot.revision, applied: live.applied.revision }, people)
}

/** The remote-mode routes (below /api/v1); `scope` guards each with its admin-token scope. */
export function adminRoutes(store: Store, clock: () => Date, scope: (name: 'plan' | 'apply') => Guard, metrics?: ServerMetrics, approvals: ApprovalVerification = { trustBranchProtection: false }): Route[] {
  const plan = scope('plan')
  const apply = scope('apply')
  const maxBody = maxAdminBodyBytes
  const json = (value: unknown, status = 200): HttpReply => jsonReply(value, status)
  /** A question about the applied state: 409 before anything is applied, else `answer` on it at the request's time. */
  const onApplied = (path: string, answer: (body: Record<string, unknown> | undefined, live: AppliedAccess, now: Date) => HttpReply | Promise<HttpReply>): Route => ({
    method: 'POST',
    path,
    guard: plan,
    maxBody,
    handle: async (exchange) => {
      const now = clock()
      const live = await appliedAccess(store, now)
      if (live === undefined) return json({ error: 'nothing has been applied yet' }, 409)
      return answer(readJson(exchange) as Record<string, unknown> | undefined, live, now)
    },
  })
  /** POST /apply's answer, and what became of the apply (for /metrics). */
  const applyRequest = async (exchange: Exchange): Promise<{ reply: HttpReply; outcome: ApplyMetricOutcome }> => {
    const invalid = (error: string) => ({ reply: json({ error }, 400), outcome: 'invalid' as const })
    const body = readJson(exchange) as { plan?: unknown; approvedBy?: unknown; revision?: unknown; author?: unknown; pullRequest?: unknown } | undefined
    if (body === undefined || typeof body !== 'object') return invalid('the body must be a JSON object with `plan`')
    const checked = asPlan(body.plan)
    if ('error' in checked) return invalid(`\`plan\` is not a rolecall plan: ${checked.error}`)
    const approvedBy = body.approvedBy ?? []
    if (!Array.isArray(approvedBy) || !approvedBy.every((name) => typeof name === 'string')) return invalid('`approvedBy` must be a list of strings')
    const { pullRequest } = body
    if (pullRequest !== undefined && (typeof pullRequest !== 'number' || !Number.isSafeInteger(pullRequest) || pullRequest < 1)) return invalid('`pullRequest` must be the number of a pull request')
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null)
    const verified = await verifyApprovals(approvals, checked.plan.approvals, approvedBy as string[], pullRequest)
    if ('error' in verified) return { reply: json({ error: verified.error, kind: verified.status === 422 ? 'refused' : 'unverified' }, verified.status), outcome: verified.status === 422 ? 'refused' : 'error' }
    try {
      const outcome = await applyPlan(checked.plan, store, {
        approvedBy: verified.approvedBy,
        claimedBy: approvedBy as string[],
        ...(verified.review === undefined ? {} : { review: verified.review }),
        commit: text(body.revision),
        author: text(body.author),
        actor: `admin-token:${exchange.adminTokenId}`,
        now: clock(),
      })
      return { reply: json(outcome), outcome: outcome.status === 'applied' ? 'applied' : 'no_changes' }
    } catch (error) {
      if (error instanceof StalePlanError) return { reply: json({ error: error.message, kind: 'stale' }, 409), outcome: 'stale' }
      if (error instanceof ApplyRefusedError) return { reply: json({ error: error.message, kind: 'refused' }, 422), outcome: 'refused' }
      throw error
    }
  }
  return [
    { method: 'GET', path: '/state', guard: plan, handle: async () => json(await readPlanBase(store)) },

    {
      method: 'POST',
      path: '/plans',
      guard: plan,
      maxBody,
      handle: async (exchange) => {
        const now = clock()
        const desired = desiredFrom(readJson(exchange), now)
        if ('status' in desired) return json(desired.body, desired.status)
        return json(await makePlanConcurrently(desired.state, await readPlanBase(store), now))
      },
    },

    {
      method: 'POST',
      path: '/apply',
      guard: apply,
      maxBody,
      handle: async (exchange) => {
        const startedAt = performance.now()
        let outcome: ApplyMetricOutcome = 'error'
        try {
          const reply = await applyRequest(exchange)
          outcome = reply.outcome
          return reply.reply
        } finally {
          metrics?.apply(outcome, (performance.now() - startedAt) / 1000)
        }
      },
    },
    {
      method: 'POST',
      path: '/drift',
      guard: plan,
      maxBody,
      handle: async (exchange) => {
        const now = clock()
        const body = (readJson(exchange) ?? {}) as { since?: unknown; documents?: unknown; limit?: unknown }
        if (body.limit !== undefined && (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 0)) {
          return json({ error: '`limit` must be a whole number of access changes to list (0 for all)' }, 400)
        }
        const applied = typeof body.since === 'string' ? await store.appliedRevision(body.since, { withDirectory: true }) : await store.appliedState({ withDirectory: true })
        if (applied === undefined) return json({ error: typeof body.since === 'string' ? `no applied revision "${body.since}"` : 'nothing has been applied yet' }, 409)
        const problem = driftBaselineProblem(applied.revision.id, applied.directory)
        if (problem !== undefined || applied.directory === undefined) return json({ error: problem }, 409)
        let desired: DesiredState | undefined
        if (body.documents !== undefined) {
          const result = desiredFrom(body, now)
          if ('status' in result) return json(result.body, result.status)
          desired = result.state
        }
        const [snapshot, breakGlass, holds] = await Promise.all([store.snapshot(), store.listBreakGlass(), store.listHolds({ status: ['open', 'rejected'] })])
        const documents = applied.documents as StateDocument[]
        const computedAt = clock()
        const report = computeDrift({
          applied: { revision: applied.revision.id, state: stateFromDocuments(documents, now), documents, directory: applied.directory },
          directory: directoryOf(snapshot),
          breakGlass: activeBreakGlass(breakGlass),
          holds,
          ...(desired === undefined ? {} : { desired }),
          now,
        })
        // Only drift since the last apply is the organization's drift; `since` an older revision is a question about the past.
        if (typeof body.since !== 'string') metrics?.drift(report, computedAt)
        return json(limitDrift(report, typeof body.limit === 'number' ? body.limit : driftListLimit))
      },
    },

    onApplied('/explain', async (body, live, now) => {
      const { access, source } = live
      if (body === undefined || typeof body.user !== 'string') return json({ error: '`user` is required' }, 400)
      if (body.connection !== undefined && (typeof body.connection !== 'string' || body.connection === '')) return json({ error: '`connection` must be a non-empty string' }, 400)
      // The person the question names: by userName and, where that alone names nobody in particular, connection.
      const identities = identitiesOf(live.state)
      const person = resolvePerson(identities, { user: body.user, ...(typeof body.connection === 'string' ? { connection: body.connection } : {}) }, live.users, () => namedConnections(live.state, String(body.user)))
      if ('error' in person) return json({ error: person.error }, 400)
      const about = (shown: string | undefined, found: Person) => ({ user: shown ?? found.name, connections: found.connections, subject: personSubject(identities, shown ?? found.name, found.connections) })
      if (body.permission === undefined && body.action === undefined) {
        const unknown = unknownUser(live, body.user, person.key)
        if (unknown !== undefined) return json(unknown.body, unknown.status)
        const held = holdingsOf(access, person.key)
        const provenance = await liveProvenance(store, live, [{ key: person.key, chains: held.holdings.map((holding) => holding.chain) }])
        return json({ source, ...about(held.user, person), inactive: held.inactive, holdings: held.holdings.map(holdingAnswer), ...heldOfLive(live, person.key), provenance })
      }
      const question = parseCheckBody(body, now)
      if ('error' in question) return json({ error: question.error }, 400)
      const problem = questionProblem(live.state, question)
      if (problem !== undefined) return json({ error: problem }, 400)
      const unknown = unknownUser(live, question.user, person.key)
      if (unknown !== undefined) return json(unknown.body, unknown.status)
      const allowing: Holding[] = []
      const answer = checkAccess(access, body.authMethod === undefined ? { ...question, anyAuthMethod: true } : question, person.key, allowing)
      if ('error' in answer) return json({ error: answer.error }, 400)
      const provenance = await liveProvenance(store, live, [{ key: person.key, chains: allowing.map((holding) => holding.chain) }])
      return json({ source, ...about(access.users.get(person.key)?.user, person), ...answer, ...heldOfLive(live, person.key), provenance })
    }),

    onApplied('/who-can', async (body, live, now) => {
      const answer = answerWhoCan(live, body ?? {}, now)
      if ('error' in answer) return json({ error: answer.error }, 400)
      const provenance = await liveProvenance(
        store,
        live,
        answer.users.map(({ key, allowing }) => ({ key, chains: allowing.map((holding) => holding.chain) })),
      )
      return json({ source: live.source, users: answer.users.map(({ user, reasons }) => ({ user, reasons })), provenance })
    }),
  ]
}

/** The holds in force on a person's records, as explain lists them (nothing when there are none). */
function heldOfLive(live: AppliedAccess, key: string): { held?: HeldSummary[] } {
  const identities = identitiesOf(live.state)
  const held = heldOf(live.holds, new Set(live.snapshot.users.filter((record) => identities.personKey(record.userName, record.connection) === key).map((record) => record.id)))
  return held.length === 0 ? {} : { held }
}
