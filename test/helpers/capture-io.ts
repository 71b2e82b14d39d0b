// An Io that keeps what a command writes, for running main() in the test process.
import type { Io } from '../../src/cli/io.js'

export function captureIo(environment: NodeJS.ProcessEnv = {}, settings: Partial<Pick<Io, 'cwd' | 'isTty' | 'isErrTty'>> = {}): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
    env: environment,
    cwd: process.cwd(),
    isTty: false,
    ...settings,
  }
  return io
}
