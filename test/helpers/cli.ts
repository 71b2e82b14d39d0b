// Runs the real `rolecall` CLI (bin/rolecall.js → dist/) as a child process.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const cliPath = fileURLToPath(new URL('../../bin/rolecall.js', import.meta.url))

export type CliResult = { code: number | null; stdout: string; stderr: string }

/**
 * Spawn `command ...args` with only PATH (and `env`) in its environment; stdin gets `input`, then ends. With `input:
 * null` there is no stdin at all: git and short scripts exit before they would read one, and writing to their closed
 * stdin would fail the test run with EPIPE.
 */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string | null; user?: { uid: number; gid: number } } = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env }
  return new Promise((resolve, reject) => {
    // With `user` (as root), the child runs as that user, with no supplementary groups (libuv drops them).
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env, stdio: [options.input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...options.user })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (options.input !== null) child.stdin?.end(options.input ?? '')
  })
}

/** Who the tests act as: commands that write the audit log ask for a person (ROLECALL_ACTOR), as an operator sets it. */
export const testActor = 'rolecall-tests'

/** Spawn `node bin/rolecall.js ...args` with NO_COLOR=1, ROLECALL_ACTOR=testActor and no other inherited ROLECALL_* settings. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [cliPath, ...args], { ...options, env: { NO_COLOR: '1', ROLECALL_ACTOR: testActor, ...options.env } })
}
