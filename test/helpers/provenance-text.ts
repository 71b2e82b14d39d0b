// Text answers of explain and who-can without their provenance lines, for tests about the answer itself.

/** `result` with the provenance block (`  from:` and what follows, which ends the output) cut from its stdout. */
export function withoutProvenance<T extends { stdout: string }>(result: T): T {
  const at = result.stdout.indexOf('  from:\n')
  return at === -1 ? result : { ...result, stdout: result.stdout.slice(0, at) }
}
