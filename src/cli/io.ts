// The streams and environment a command runs against, passed in so commands stay testable.

export type Io = {
  out: (text: string) => void
  err: (text: string) => void
  env: NodeJS.ProcessEnv
  cwd: string
  /** True when stdout is a terminal (colour and widths may follow). */
  isTty: boolean
  /** True when stderr is a terminal (progress lines go there). */
  isErrTty?: boolean
}

let isPipeGuarded = false

/** A reader that stops early (`rolecall audit export | head`) closes the pipe: end quietly, as Unix tools do. */
function guardBrokenPipe(): void {
  if (isPipeGuarded) return
  isPipeGuarded = true
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}

/**
 * Whether a command colours what it writes to stdout: on a terminal, unless NO_COLOR is set to something. An
 * empty NO_COLOR asks for nothing (no-color.org: "when present and not an empty string").
 */
export function colorEnabled(io: Pick<Io, 'isTty' | 'env'>): boolean {
  return io.isTty && (io.env.NO_COLOR ?? '') === ''
}

/** The process's own streams. */
export function processIo(): Io {
  guardBrokenPipe()
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTty: process.stdout.isTTY === true,
    isErrTty: process.stderr.isTTY === true,
  }
}
