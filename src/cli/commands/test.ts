// rolecall test: run the AccessTest assertions on the access files projected onto live memberships.
import { runAccessTests } from '../../engine/access-tests.js'
import type { AccessQuery } from '../../schema/types.js'
import { loadAccessContext } from '../access-context.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { testSpec } from '../specs/inspect.js'

function describeQuery(query: AccessQuery): string {
  if (typeof query.permission === 'string') return query.permission
  const env = typeof query.env === 'string' ? ` in ${query.env}` : ''
  const method = typeof query.authMethod === 'string' ? ` (signed in with ${query.authMethod})` : ''
  return `${String(query.action)} ${String(query.resource)}${env}${method}`
}

export async function run({ values }: Parsed<typeof testSpec>, io: Io): Promise<number> {
  const { format } = values
  const now = readNow(io.env)
  const context = await loadAccessContext({ dir: values.dir, db: values.db, fromFiles: true }, io, now)
  const results = runAccessTests(context.state, context.directory, now)
  const failed = results.filter((result) => !result.passed)
  if (format === 'json') {
    io.out(`${JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results }, null, 2)}\n`)
    return failed.length === 0 ? 0 : 1
  }
  for (const result of failed) {
    io.out(`FAIL ${result.test} #${result.index + 1}: ${result.user} ${result.expect} ${describeQuery(result.query)}\n`)
    for (const why of result.why) io.out(`    ${result.expect === 'can' ? '' : 'allowed via '}${why}\n`)
  }
  io.out(`${results.length - failed.length} passed, ${failed.length} failed (${results.length} assertions in ${new Set(results.map((result) => result.test)).size} tests; ${context.source})\n`)
  return failed.length === 0 ? 0 : 1
}
