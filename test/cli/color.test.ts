// Colour on a terminal, unless NO_COLOR is set to something (no-color.org: an empty NO_COLOR asks for nothing).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { colorEnabled } from '../../src/cli/io.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { cliPath, runProcess } from '../helpers/cli.js'

describe('colorEnabled', () => {
  it.each([
    [true, {}, true],
    [true, { NO_COLOR: '' }, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '0' }, false],
    [false, {}, false],
    [false, { NO_COLOR: '' }, false],
  ])('on a terminal %s with %j: %s', (isTty, env, expected) => {
    expect(colorEnabled({ isTty, env })).toBe(expected)
  })
})

// util-linux `script` (Debian's bsdutils, on every machine that runs these tests) runs plan on a pseudo-terminal.
describe('rolecall plan on a terminal', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rolecall-color-'))
    await openSqliteStore(join(dir, 'plan.db')).close()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`
  async function planOnTty(env: Record<string, string>): Promise<string> {
    const command = [process.execPath, cliPath, 'plan', '--dir', 'access', '--db', join(dir, 'plan.db')].map(quote).join(' ')
    const result = await runProcess('script', ['-qec', command, '/dev/null'], { env: { ROLECALL_NOW: '2026-11-23T00:00:00Z', TERM: 'xterm', ...env } })
    expect(result.stdout).toContain('rolecall plan')
    return result.stdout
  }
  const ansi = /\u001b\[\d+m/

  it('is in colour without NO_COLOR, and with an empty one', async () => {
    expect(await planOnTty({})).toMatch(ansi)
    expect(await planOnTty({ NO_COLOR: '' })).toMatch(ansi)
  })

  it('has no colour with NO_COLOR=1', async () => {
    expect(await planOnTty({ NO_COLOR: '1' })).not.toMatch(ansi)
  })
})
