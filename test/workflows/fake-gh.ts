// A stand-in for `gh api` on PATH, so that workflow run scripts can be executed as they are written.
// It serves recorded JSON from a directory named after the endpoint, applies --jq with the real jq, and pages like gh.
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runProcess, type CliResult } from '../helpers/cli.js'

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

/** Spawn `command ...args` with only PATH (and `env`) in its environment and no stdin at all (runProcess). */
export function runWithoutInput(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return runProcess(command, args, { ...options, input: null })
}
