// A progress line on stderr for long operations: rewritten in place on a terminal, at most five times a second, and nothing at all elsewhere.
import type { Io } from './io.js'

/** Reports progress as a line of text; `done` clears it. */
export type ProgressLine = { update: (text: string) => void; done: () => void }

const silent: ProgressLine = { update: () => {}, done: () => {} }

/**
 * A line on stderr when it is a terminal and `isQuiet` is false: shown only once the operation has taken
 * `afterMs` (a short copy prints nothing), then redrawn at most every `everyMs`. Pipes and files get nothing, so
 * logs stay clean.
 */
export function progressLine(io: Pick<Io, 'err' | 'isErrTty'>, isQuiet: boolean, clock: () => number = Date.now, afterMs = 500, everyMs = 200): ProgressLine {
  if (isQuiet || io.isErrTty !== true) return silent
  const startedAt = clock()
  let lastAt = -Infinity
  let isShown = false
  return {
    update: (text) => {
      const now = clock()
      if (now - startedAt < afterMs || now - lastAt < everyMs) return
      lastAt = now
      isShown = true
      io.err(`\r\x1b[2K${text}`)
    },
    done: () => {
      if (isShown) io.err('\r\x1b[2K')
      isShown = false
    },
  }
}
