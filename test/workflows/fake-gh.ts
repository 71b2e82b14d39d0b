// A stand-in for `gh api` on PATH, so that workflow run scripts can be executed as they are written.
// It serves recorded JSON from a directory named after the endpoint, applies --jq with the real jq, and pages like gh.
import { spawn } from 'node:child_process'
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `repos/acme/access/pulls/7` is served from `<root>/repos/acme/access/pulls/7.json`; a paged endpoint from
 * `<root>/…/files/1.json`, `2.json`, … (only the first without --paginate; `--slurp` wraps the pages in one array).
 * Every call is appended to `<root>/calls.txt`.
 */
const script = join(dirname(fileURLToPath(import.meta.url)), 'fake-gh.sh')

/** Write the fake `gh` into `<root>/bin` and return that directory, to put first on PATH. */
export async function installFakeGh(root: string): Promise<string> {
  const bin = join(root, 'bin')
  await mkdir(bin, { recursive: true })
  await copyFile(script, join(bin, 'gh'))
  await chmod(join(bin, 'gh'), 0o755)
  await writeFile(join(root, 'calls.txt'), '')
  return bin
}

/** Record what `gh api <endpoint>` answers. */
export async function recordGh(root: string, endpoint: string, value: unknown): Promise<void> {
  const file = join(root, `${endpoint}.json`)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, JSON.stringify(value))
}

/**
 * Spawn `command ...args` with only PATH (and `env`) in its environment and no stdin at all: git and short scripts
 * exit before they would read one, and writing to their closed stdin fails the test run with EPIPE.
 */
export function runWithoutInput(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
