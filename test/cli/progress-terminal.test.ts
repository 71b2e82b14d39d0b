// Progress of plan, apply and import on a real terminal (script(1)): drawn on stderr over one line and cleared
// before the result; nothing with --quiet, and nothing at all when stderr is a pipe.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath, repoRoot, runCli, runProcess, testActor } from '../helpers/cli.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])
/** Progress from the first moment, so that the example organization (quick to plan) shows it. */
const env = { NO_COLOR: '1', ROLECALL_NOW: '2026-11-23', ROLECALL_PROGRESS_AFTER_MS: '0', ROLECALL_ACTOR: testActor }

/** Runs the CLI with a terminal for its stdout and stderr; what it wrote there comes back on script's stdout. */
function onTerminal(args: string[]) {
  return runProcess('script', ['-qfec', [process.execPath, cliPath, ...args].join(' '), '/dev/null'], { env, input: null })
}

/** The lines progress drew: each redraw moves to column 1 (ESC[1G) and writes the line. */
function progressLines(text: string): string[] {
  return text
    .split('\x1b[1G')
    .slice(1)
    .map((part) => part.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '').split('\r')[0] ?? '')
    .filter((line) => line.trim() !== '')
}

describe('progress on a terminal', () => {
  let work: string
  const access = join(repoRoot, 'access')

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rolecall-progress-'))
  })
  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('apply shows its steps, clears them, then says what it applied; drift its steps; import the files it writes', async () => {
    const db = await testDbLocation()
    await (await openTestStore(db)).close()
    const applied = await onTerminal(['apply', '--dir', access, '--db', db, ...approvals])
    expect(applied.code, applied.stdout).toBe(0)
    const steps = progressLines(applied.stdout.slice(0, applied.stdout.indexOf('Applied ')))
    // Redrawn at most ten times a second: quick steps may pass unseen, but every line drawn is one of apply's steps.
    const labels = steps.map((line) => line.replace(/ … \d+s$/, ''))
    expect(labels[0]).toBe('loading access files')
    expect(labels.length).toBeGreaterThan(1)
    for (const label of labels) expect(['loading access files', 'opening the store', 'reading the store', 'planning', 'writing the applied state']).toContain(label)
    // Over one line, erased (ESC[2K) before the result is written, so the result stands alone on its line.
    expect(applied.stdout.slice(0, applied.stdout.indexOf('Applied '))).not.toContain('\n')
    expect(applied.stdout).toMatch(/\x1b\[2K(\r\n)?Applied /)

    const drift = await onTerminal(['drift', '--dir', access, '--db', db])
    expect(drift.code, drift.stdout).toBe(0)
    const driftSteps = progressLines(drift.stdout.slice(0, drift.stdout.lastIndexOf('\x1b[2K'))).map((line) => line.replace(/ … \d+s$/, ''))
    expect(driftSteps[0]).toBe('loading access files')
    for (const label of driftSteps) expect(['loading access files', 'reading the store', 'computing drift']).toContain(label)
    // Erased once, at the end: the report follows, and nothing is drawn after it.
    expect(drift.stdout.slice(drift.stdout.lastIndexOf('\x1b[2K'))).not.toContain('\x1b[1G')
    expect(drift.stdout.slice(drift.stdout.lastIndexOf('\x1b[2K'))).toMatch(/\S/)

    const imported = await onTerminal(['import', '--db', db, '--out', join(work, 'imported')])
    expect(imported.code, imported.stdout).toBe(0)
    expect(progressLines(imported.stdout).some((line) => /^writing access files \[[=-]+\] \d+ of \d+ · \d+s$/.test(line))).toBe(true)
    expect(imported.stdout).toMatch(/\x1b\[2K(\r\n)?Wrote \d+ files/)
  })

  it('plan prints the plan alone with --quiet, and progress never reaches a pipe', async () => {
    const db = await testDbLocation()
    // Commands other than serve refuse a store that does not exist: an empty one, as serve creates it.
    await (await openTestStore(db)).close()
    const quiet = await onTerminal(['plan', '--dir', access, '--db', db, '--quiet'])
    expect(quiet.code, quiet.stdout).toBe(0)
    expect(quiet.stdout).not.toContain('planning')
    expect(quiet.stdout).not.toContain('\x1b[1G')
    expect(quiet.stdout).toContain('rolecall plan: ')

    const shown = await onTerminal(['plan', '--dir', access, '--db', db])
    expect(shown.code, shown.stdout).toBe(0)
    expect(progressLines(shown.stdout.slice(0, shown.stdout.indexOf('rolecall plan: ')))[0]).toMatch(/^loading access files … \d+s$/)

    const piped = await runCli(['plan', '--dir', access, '--db', db], { env })
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe('')
    expect(piped.stdout).toMatch(/^rolecall plan: /)
  })
})
