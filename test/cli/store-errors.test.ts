// The CLI against stores it cannot use, and readers that stop early: one line, no stack trace.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { cliPath, runCli } from '../helpers/cli.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-store-errors-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('a store the CLI cannot use', () => {
  it('refuses a database written by a newer rolecall, in one line', async () => {
    const db = join(dir, 'newer.db')
    const store = openSqliteStore(db)
    await store.close()
    const raw = new Database(db)
    raw.pragma('user_version = 99')
    raw.close()
    const result = await runCli(['token', 'list', '--db', db])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^rolecall: database schema version 99 is newer than this rolecall understands \(\d+\); upgrade rolecall\n$/)
  })

  it('ends quietly when the reader of its output goes away', async () => {
    const db = join(dir, 'audit.db')
    const store = openSqliteStore(db)
    for (let i = 0; i < 2000; i++) await store.ensureConnection(`conn-${i}`)
    await store.close()
    const child = spawn(process.execPath, [cliPath, 'audit', 'export', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    child.stdout.destroy()
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})
