// `rolecall validate` on unusual inputs (the real CLI): every problem is a diagnostic, never an internal error.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { materialize } from '../helpers/fixtures.js'

const now = { ROLECALL_NOW: '2026-11-23' }
let dir: string | undefined

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe('rolecall validate on a long list', () => {
  it('reports a file holding a flow list of 140,000 items, in text and JSON', async () => {
    dir = await materialize(undefined)
    await writeFile(join(dir, 'big.yaml'), `x: [${Array(140_000).fill('1').join(',')}]\n`)
    const text = await runCli(['validate', '--dir', '.'], { cwd: dir, env: now })
    expect(text.stderr).toBe('')
    expect(text.stdout).toMatch(/^big\.yaml:1:1: error: Document has no `kind`.*\[missing-kind\]\n1 error, 0 warnings in 9 files\n$/)
    expect(text.code).toBe(1)
    const json = await runCli(['validate', '--dir', '.', '--format', 'json'], { cwd: dir, env: now })
    expect(json.stderr).toBe('')
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ code: 'missing-kind', source: { file: 'big.yaml', line: 1, col: 1 } })])
  }, 60_000)
})
