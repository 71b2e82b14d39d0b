// What the end-to-end tests of writes reaching other processes share: the token a create command showed, and
// how long until another process answers as it should.

/** The token and its id, as `token create` and `admin-token create` show them. */
export function shownToken(stdout: string): { token: string; id: string } {
  return { token: stdout.trimEnd().split('\n').at(-1) ?? '', id: /^Created (\S+)/.exec(stdout)?.[1] ?? '' }
}

/** Polls `read` until `isDone` holds of its value: how long that took (ms); fails once `limitMs` passed. */
export async function timeUntil<T>(limitMs: number, read: () => Promise<T>, isDone: (value: T) => boolean): Promise<number> {
  const started = performance.now()
  for (;;) {
    const value = await read()
    const elapsed = performance.now() - started
    if (isDone(value)) return elapsed
    if (elapsed > limitMs) throw new Error(`still ${JSON.stringify(value)} after ${Math.round(elapsed)} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
