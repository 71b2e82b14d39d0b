// rolecall explain: every access a user holds with its chain, or the answer for one action on one resource.
import { checkAccess, type AccessQuestion } from '../../engine/check.js'
import { holdingAnswer, holdingsOf } from '../../engine/answers.js'
import { computeEffectiveAccess } from '../../engine/effective.js'
import { identitiesOf } from '../../engine/identity.js'
import { personSubject, resolvePerson } from '../../engine/person.js'
import { isKnownUser, knownUserNames, namedConnections, questionProblem, unknownUserMessage } from '../../engine/question-check.js'
import { RolecallError, UsageError } from '../../errors.js'
import { withAccessContext } from '../access-context.js'
import { formatProvenance, type Provenance } from '../../engine/provenance.js'
import type { Holding } from '../../engine/types.js'
import { readAnswerProvenance } from '../../store/provenance.js'
import { heldOf, type HeldSummary } from '../../guard/held-directory.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { explainSpec } from '../specs/inspect.js'
import { callRemote, remoteOption } from '../remote.js'

/** The exit code of an answer that is DENIED (1 stays for errors, as for every command). */
export const deniedExitCode = 3

/** `subject`: who the answer is about, as text (the person and the connections of their identity). */
type About = { user: string; connections: readonly string[]; subject: string }
type Holdings = About & { source: string; inactive: boolean; holdings: { key: string; risk: string; chain: string; authMethods?: readonly string[]; expires?: string }[]; held?: HeldSummary[]; provenance: Provenance }
type Answer = About & { source: string; allowed: boolean; reasons: string[]; denials: string[]; held?: HeldSummary[]; provenance: Provenance }

/** The question in the check API's body shape (shared by local and remote mode). */
export function questionBody(values: { env?: string; tag?: string[]; 'auth-method'?: string }, rest: Record<string, string>): Record<string, unknown> {
  return { ...rest, ...(values.env === undefined ? {} : { env: values.env }), ...(values.tag === undefined ? {} : { tags: values.tag }), ...(values['auth-method'] === undefined ? {} : { authMethod: values['auth-method'] }) }
}

/** A body as an AccessQuestion; without a sign-in method, restricted holdings answer with the method they need. */
export function toQuestion(body: Record<string, unknown>, now: Date): AccessQuestion {
  const base = { user: String(body.user), at: now, ...(typeof body.authMethod === 'string' ? { authMethod: body.authMethod } : { anyAuthMethod: true }) }
  if (typeof body.permission === 'string') return { ...base, permission: body.permission }
  return { ...base, action: String(body.action), resource: String(body.resource), ...(typeof body.env === 'string' ? { env: body.env } : {}), ...(Array.isArray(body.tags) ? { tags: body.tags as string[] } : {}) }
}

export async function run({ values }: Parsed<typeof explainSpec>, io: Io): Promise<number> {
  const { format } = values
  const asked = values.user
  if (asked === undefined) throw new UsageError('explain: --user is required')
  if ((values.action === undefined) !== (values.resource === undefined)) throw new UsageError('explain: give --action and --resource together')
  const now = readNow(io.env)
  const asks = values.permission !== undefined || values.action !== undefined
  const body = questionBody(values, {
    user: asked,
    ...(values.connection === undefined ? {} : { connection: values.connection }),
    ...(values.permission === undefined ? {} : { permission: values.permission }),
    ...(values.action === undefined ? {} : { action: values.action, resource: values.resource ?? '' }),
  })
  const remote = remoteOption(values.server, values.db, io, values.insecure === true)
  let result: Holdings | Answer
  if (remote !== undefined) {
    result = await callRemote<Holdings | Answer>(remote, 'POST', '/api/v1/explain', body)
  } else {
    result = await withAccessContext({ dir: values.dir, db: values.db, fromFiles: values.files === true || values.dir !== undefined }, io, now, async (context, store): Promise<Holdings | Answer> => {
      const question = asks ? toQuestion(body, now) : undefined
      const problem = question === undefined ? undefined : questionProblem(context.state, question)
      if (problem !== undefined) throw new RolecallError(problem)
      const access = computeEffectiveAccess(context.state, context.directory, { now, breakGlass: context.breakGlass })
      const identities = identitiesOf(context.state)
      const person = resolvePerson(identities, { user: asked, ...(values.connection === undefined ? {} : { connection: values.connection }) }, context.directory.users, () => namedConnections(context.state, asked))
      if ('error' in person) throw new RolecallError(person.error)
      // Holding something or being deactivated makes a user known; only then are the other places worth a look.
      const { key } = person
      if (!access.users.has(key) && !access.inactive.has(key)) {
        const known = knownUserNames(context.state, context.directory.users, context.breakGlass)
        if (!isKnownUser(asked, known)) throw new RolecallError(unknownUserMessage(asked, known, context.source))
      }
      const heldList = heldOf(context.holds, new Set(context.directory.users.filter((record) => identities.personKey(record.userName, record.connection) === key).map((record) => record.id)))
      const withHeld = heldList.length === 0 ? {} : { held: heldList }
      if (question !== undefined) {
        const allowing: Holding[] = []
        const answer = checkAccess(access, question, key, allowing)
        if ('error' in answer) throw new RolecallError(answer.error)
        const user = access.users.get(key)?.user ?? person.name
        const provenance = await readAnswerProvenance(store, context, [{ key, chains: allowing.map((holding) => holding.chain) }])
        return { source: context.source, user, connections: person.connections, subject: personSubject(identities, user, person.connections), ...answer, ...withHeld, provenance }
      }
      const held = holdingsOf(access, key)
      const user = held.user ?? person.name
      const provenance = await readAnswerProvenance(store, context, [{ key, chains: held.holdings.map((holding) => holding.chain) }])
      return { source: context.source, user, connections: person.connections, subject: personSubject(identities, user, person.connections), inactive: held.inactive, holdings: held.holdings.map(holdingAnswer), ...withHeld, provenance }
    })
  }
  // A script can test the answer: exit 0 for ALLOWED, deniedExitCode for DENIED, 1 for errors.
  const code = 'allowed' in result && !result.allowed ? deniedExitCode : 0
  if (format === 'json') {
    io.out(`${JSON.stringify(result, null, 2)}\n`)
    return code
  }
  if ('allowed' in result) {
    io.out(`${result.allowed ? 'ALLOWED' : 'DENIED'} for ${result.subject} (${result.source})\n`)
    for (const reason of result.reasons) io.out(`  via ${reason}\n`)
    for (const denial of result.denials) io.out(`  ${denial}\n`)
    printHeld(io, result.held)
    writeProvenance(result.provenance, io)
    return code
  }
  if (result.holdings.length === 0) {
    io.out(`${result.subject} holds no access (${result.inactive ? 'deactivated' : 'no mapped group, no grant'}; ${result.source}).\n`)
    printHeld(io, result.held)
    writeProvenance(result.provenance, io)
    return 0
  }
  io.out(`${result.subject} holds ${result.holdings.length} access item${result.holdings.length === 1 ? '' : 's'} (${result.source}):\n`)
  for (const holding of result.holdings) {
    const extra = [holding.authMethods === undefined ? '' : ` sign-in: ${holding.authMethods.join('|')}`, holding.expires === undefined ? '' : ` until ${holding.expires}`].join('')
    io.out(`  [${holding.risk}] ${holding.chain}${extra}\n`)
  }
  printHeld(io, result.held)
  writeProvenance(result.provenance, io)
  return 0
}

/** The provenance lines under an answer (a server from before provenance sends none). */
export function writeProvenance(provenance: Provenance | undefined, io: Io): void {
  if (provenance === undefined) return
  io.out('  from:\n')
  for (const line of formatProvenance(provenance)) io.out(`    ${line}\n`)
}

/** Held IdP changes: access the person would hold once a reviewed apply releases it. */
function printHeld(io: Io, held: readonly HeldSummary[] | undefined): void {
  for (const hold of held ?? []) {
    io.out(`  HELD ${hold.id} [${hold.risk}] since ${hold.since}: ${hold.change} (${hold.status === 'rejected' ? 'rejected; remove it at the IdP' : 'waits for a reviewed apply'}): ${hold.access.join(', ')}\n`)
  }
}
