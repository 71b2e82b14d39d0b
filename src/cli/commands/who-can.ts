// rolecall who-can: every user who may do ACTION on RESOURCE (or holds PERMISSION), with the chains.
import { whoCan } from '../../engine/answers.js'
import { computeEffectiveAccess } from '../../engine/effective.js'
import { questionProblem } from '../../engine/question-check.js'
import { RolecallError, UsageError } from '../../errors.js'
import { withAccessContext } from '../access-context.js'
import type { Provenance } from '../../engine/provenance.js'
import { readAnswerProvenance } from '../../store/provenance.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { whoCanSpec } from '../specs/inspect.js'
import { callRemote, remoteOption } from '../remote.js'
import { questionBody, toQuestion, writeProvenance } from './explain.js'

type WhoCan = { source: string; users: { user: string; reasons: string[] }[]; provenance?: Provenance }

export async function run({ values, positionals }: Parsed<typeof whoCanSpec>, io: Io): Promise<number> {
  const { format } = values
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('who-can: give ACTION RESOURCE, or one PERMISSION')
  const now = readNow(io.env)
  const [first = '', second] = positionals
  const body = questionBody(values, second === undefined ? { permission: first } : { action: first, resource: second })
  const remote = remoteOption(values.server, values.db, io, values.insecure === true)
  let result: WhoCan
  if (remote !== undefined) {
    result = await callRemote<WhoCan>(remote, 'POST', '/api/v1/who-can', body)
  } else {
    result = await withAccessContext({ dir: values.dir, db: values.db, fromFiles: values.files === true || values.dir !== undefined }, io, now, async (context, store) => {
      const problem = questionProblem(context.state, toQuestion({ ...body, user: '*' }, now))
      if (problem !== undefined) throw new RolecallError(problem)
      const access = computeEffectiveAccess(context.state, context.directory, { now, breakGlass: context.breakGlass })
      const users = whoCan(access, (user) => toQuestion({ ...body, user }, now))
      if ('error' in users) throw new RolecallError(users.error)
      const provenance = await readAnswerProvenance(
        store,
        context,
        users.map(({ key, allowing }) => ({ key, chains: allowing.map((holding) => holding.chain) })),
      )
      return { source: context.source, users: users.map(({ user, reasons }) => ({ user, reasons })), provenance }
    })
  }
  if (format === 'json') {
    io.out(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  }
  const what = second === undefined ? first : `${first} ${second}${values.env === undefined ? '' : ` in ${values.env}`}`
  io.out(`${result.users.length} user${result.users.length === 1 ? '' : 's'} can ${what} (${result.source})${result.users.length === 0 ? '.' : ':'}\n`)
  for (const entry of result.users) {
    io.out(`  ${entry.user}\n`)
    for (const reason of entry.reasons) io.out(`      via ${reason}\n`)
  }
  writeProvenance(result.provenance, io)
  return 0
}
