// The streams and environment a command runs against, passed in so commands stay testable.

export type Io = {
  out: (text: string) => void
  err: (text: string) => void
  env: NodeJS.ProcessEnv
  cwd: string
  /** True when stdout is a terminal (colour and widths may follow). */
  isTty: boolean
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTty: process.stdout.isTTY === true,
  }
}
