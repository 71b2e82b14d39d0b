// Progress of long work on stderr, drawn by cli-progress: on a terminal only, once the work has taken a while, and cleared at the end.
import cliProgress from 'cli-progress'
import { UsageError } from '../errors.js'
import { envSetting } from './args.js'
import type { Io } from './io.js'

/** How far through its current step the work is, when that can be counted. */
export type StepCount = { done: number; total: number }

/** Reports what long work is doing; `done` clears the line (call it in a `finally`). */
export type Progress = { step: (label: string, count?: StepCount) => void; done: () => void }

export type ProgressOptions = {
  /** Nothing is drawn before the work has taken this long (ROLECALL_PROGRESS_AFTER_MS, when set, says otherwise): a quick command prints nothing. */
  afterMs?: number
  /** Milliseconds since some origin (tests pin it). */
  clock?: () => number
  /** The terminal's width; process.stderr's when it has one. */
  columns?: number
}

const silent: Progress = { step: () => {}, done: () => {} }

/** Commands that run long (plan, apply, import of a large organization) show progress once they have taken this long. */
export const longWorkMs = 2000

/** ROLECALL_PROGRESS_AFTER_MS: a whole number of milliseconds (0 draws at once). */
function afterMsSetting(env: NodeJS.ProcessEnv | undefined): number | undefined {
  const value = envSetting(env ?? {}, 'ROLECALL_PROGRESS_AFTER_MS')
  if (value === undefined) return undefined
  if (!/^\d{1,7}$/.test(value)) throw new UsageError(`ROLECALL_PROGRESS_AFTER_MS must be a whole number of milliseconds (got "${value}")`)
  return Number(value)
}

type Shown = { label: string; count: StepCount | undefined }

const formatCount = (n: number) => n.toLocaleString('en-US')

/** One line: the step, a bar with its counts where they are known, and the time taken so far. */
function formatLine(options: cliProgress.Options, params: cliProgress.Params, payload: Shown): string {
  const elapsed = cliProgress.Format.TimeFormat(Math.round((Date.now() - params.startTime) / 1000), options, 1)
  if (payload.count === undefined) return `${payload.label} … ${elapsed}`
  const bar = cliProgress.Format.BarFormat(params.progress, options)
  return `${payload.label} [${bar}] ${formatCount(payload.count.done)} of ${formatCount(payload.count.total)} · ${elapsed}`
}

/**
 * Progress on stderr when it is a terminal and `isQuiet` is false; pipes and files (CI logs) get nothing. The line
 * appears only once the work has taken `afterMs` and is redrawn at most ten times a second, over itself.
 */
export function startProgress(io: Pick<Io, 'err' | 'isErrTty'> & Partial<Pick<Io, 'env'>>, isQuiet: boolean, options: ProgressOptions = {}): Progress {
  if (isQuiet || io.isErrTty !== true) return silent
  const clock = options.clock ?? Date.now
  const afterMs = afterMsSetting(io.env) ?? options.afterMs ?? longWorkMs
  const startedAt = clock()
  // cli-progress draws on a stream; this one is the command's stderr as Io gives it.
  const stream = { isTTY: true, columns: options.columns ?? process.stderr.columns ?? 80, write: (text: string) => (io.err(text), true) }
  const bar = new cliProgress.SingleBar({ stream: stream as unknown as NodeJS.WritableStream, format: formatLine, clearOnComplete: true, hideCursor: false, barsize: 24, fps: 10, linewrap: true })
  let shown: Shown = { label: '', count: undefined }
  let isDrawn = false
  const draw = () => {
    const { count } = shown
    if (!isDrawn) {
      isDrawn = true
      bar.start(count?.total ?? 1, count?.done ?? 0, shown)
      return
    }
    if (count !== undefined) bar.setTotal(count.total)
    bar.update(count?.done ?? 0, shown)
  }
  // Work that waits on I/O lets this timer run; work that keeps the thread busy shows at its next step.
  const timer = setTimeout(() => shown.label !== '' && draw(), Math.max(0, afterMs - (clock() - startedAt)))
  timer.unref()
  return {
    step: (label, count) => {
      shown = { label, count }
      if (isDrawn || clock() - startedAt >= afterMs) draw()
    },
    done: () => {
      clearTimeout(timer)
      if (isDrawn) bar.stop()
      isDrawn = false
    },
  }
}
