// Failures of files and stores, and unforeseen ones: one line naming the file and what is wrong, exit 1, and a
// stack trace only with ROLECALL_DEBUG.
import Database from 'better-sqlite3'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RolecallError, StoreBusyError, StoreError, UsageError } from '../../src/errors.js'
import { commands, describeFailure, main } from '../../src/cli/main.js'
import { defineCommand } from '../../src/cli/spec.js'
import { displayPath } from '../../src/load/load-access.js'
import { captureIo } from '../helpers/capture-io.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { repoRoot, runCli } from '../helpers/cli.js'

const env = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
/** A line of a Node or V8 stack trace. */
const stackLine = /^\s+at /m
let dir: string
let notADatabase: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-errors-'))
  notADatabase = join(dir, 'notadb.db')
  await writeFile(notADatabase, 'garbage\n')
  await openSqliteStore(join(dir, 'plan.db')).close()
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('files the CLI cannot write', () => {
  it('names a --out file whose directory does not exist', async () => {
    const out = join(dir, 'nonexistent', 'x.json')
    const result = await runCli(['plan', '--dir', 'access', '--db', join(dir, 'plan.db'), '--out', out], { env })
    expect(result.stderr).toBe(`rolecall: cannot open ${out}: no such file or directory (the directory ${join(dir, 'nonexistent')} does not exist)\n`)
    expect(result.code).toBe(1)
  })

  it('names a file that fails after the command has moved on (a stream opened in the background)', async () => {
    const db = join(dir, 'audit.db')
    await openSqliteStore(db).close()
    const out = join(dir, 'nonexistent', 'audit.jsonl')
    const result = await runCli(['audit', 'export', '--out', out, '--db', db], { env })
    expect(result.stderr).toBe(`rolecall: cannot open ${out}: no such file or directory (the directory ${join(dir, 'nonexistent')} does not exist)\n`)
    expect(result.code).toBe(1)
  })

  it('names a --out that is a directory', async () => {
    const out = join(dir, 'a-directory')
    await mkdir(out, { recursive: true })
    const result = await runCli(['plan', '--dir', 'access', '--db', join(dir, 'plan.db'), '--out', out], { env })
    expect(result.stderr).toBe(`rolecall: cannot open ${out}: it is a directory, not a file\n`)
    expect(result.code).toBe(1)
  })
})

describe('a file that is not a store', () => {
  it.each([
    ['plan', ['plan', '--dir', 'access']],
    ['drift', ['drift']],
    ['explain', ['explain', '--user', 'sam@acme.example']],
    ['who-can', ['who-can', 'sso:manage']],
    ['token list', ['token', 'list']],
    ['audit verify', ['audit', 'verify']],
  ])('is refused in one line by %s', async (_name, args) => {
    const result = await runCli([...args, '--db', notADatabase], { env })
    expect(result.stderr).toBe(`rolecall: ${notADatabase} is not a rolecall store (not an SQLite database)\n`)
    expect(result.stdout).toBe('')
    expect(result.code).toBe(1)
  })

  it('is left as it was', async () => {
    await runCli(['token', 'list', '--db', notADatabase], { env })
    expect(await readFile(notADatabase, 'utf8')).toBe('garbage\n')
  })

  it("refuses another application's SQLite database, and leaves it as it was", async () => {
    const foreign = join(dir, 'invoices.db')
    const db = new Database(foreign)
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)')
    db.close()
    const before = await readFile(foreign)
    for (const args of [
      ['plan', '--dir', 'access'],
      ['token', 'list'],
      ['serve', '--port', '0'],
    ]) {
      const result = await runCli([...args, '--db', foreign], { env })
      expect(result.stderr).toContain(`${foreign} is not a rolecall store: it is an SQLite database with tables of its own`)
      expect(result.code).toBe(1)
    }
    expect(await readFile(foreign)).toEqual(before)
  })

  it('is told after the access files: plan tells their mistake first, and the store it read meanwhile is left as it was', async () => {
    const access = join(dir, 'broken-access')
    await mkdir(access, { recursive: true })
    await writeFile(join(access, 'groups.yaml'), 'kind: Group\nname: [unclosed\n')
    const result = await runCli(['plan', '--dir', access, '--db', notADatabase], { env })
    // Shown relative to the working directory, as every path in a diagnostic is.
    expect(result.stderr).toContain(`${displayPath(join(access, 'groups.yaml'), repoRoot)}:3:1`)
    expect(result.stderr).not.toContain('not a rolecall store')
    expect(result.stderr).not.toMatch(stackLine)
    expect(result.code).toBe(1)
    expect(await readFile(notADatabase, 'utf8')).toBe('garbage\n')
    const planned = await runCli(['plan', '--dir', 'access', '--db', notADatabase], { env })
    expect(planned.stderr).toBe(`rolecall: ${notADatabase} is not a rolecall store (not an SQLite database)\n`)
  })

  it('names a --db that is a directory', async () => {
    const result = await runCli(['drift', '--db', dir], { env })
    expect(result.stderr).toBe(`rolecall: the store ${dir} is a directory; give the path of a store file\n`)
    expect(result.code).toBe(1)
  })

  it('prints the stack, and what caused it, after the line with ROLECALL_DEBUG=1', async () => {
    const result = await runCli(['drift', '--db', notADatabase], { env: { ...env, ROLECALL_DEBUG: '1' } })
    expect(result.code).toBe(1)
    const [first, ...rest] = result.stderr.split('\n')
    expect(first).toBe(`rolecall: ${notADatabase} is not a rolecall store (not an SQLite database)`)
    expect(rest.join('\n')).toMatch(stackLine)
    expect(rest.join('\n')).toContain('Caused by: SqliteError: file is not a database')
  })

  it('prints no stack with ROLECALL_DEBUG empty or 0', async () => {
    for (const value of ['', '0']) {
      const result = await runCli(['drift', '--db', notADatabase], { env: { ...env, ROLECALL_DEBUG: value } })
      expect(result.stderr).not.toMatch(stackLine)
    }
  })
})

describe('an unforeseen failure of a command', () => {
  const name = 'test-only-failing-command'
  let failure: unknown
  beforeAll(() => {
    commands[name] = defineCommand({ name, summary: 'fails' }, async () => ({
      run: async () => {
        throw failure
      },
    }))
  })
  afterAll(() => {
    delete commands[name]
  })
  afterEach(() => {
    failure = undefined
  })

  it('is an internal error in one line, with a hint and no stack', async () => {
    failure = new TypeError("Cannot read properties of undefined (reading 'name')")
    const io = captureIo()
    expect(await main([name], io)).toBe(1)
    expect(io.stderr).toBe("rolecall: internal error: Cannot read properties of undefined (reading 'name')\nThis is a bug in rolecall. Run again with ROLECALL_DEBUG=1 to see the stack trace, and report it with that output.\n")
  })

  it('shows the stack with ROLECALL_DEBUG=1', async () => {
    failure = new TypeError('boom')
    const io = captureIo({ ROLECALL_DEBUG: '1' })
    expect(await main([name], io)).toBe(1)
    expect(io.stderr).toMatch(/^rolecall: internal error: boom\nTypeError: boom\n\s+at /)
  })

  it('is an internal error when what is thrown is not an Error', async () => {
    failure = 'just a string'
    const io = captureIo()
    expect(await main([name], io)).toBe(1)
    expect(io.stderr).toMatch(/^rolecall: internal error: just a string\n/)
  })

  it('keeps the usage line for usage errors and one line for rolecall errors', async () => {
    failure = new UsageError('give --user')
    const usage = captureIo()
    expect(await main([name], usage)).toBe(1)
    expect(usage.stderr).toBe(`rolecall: give --user\nUsage: rolecall ${name} [options]\n`)
    failure = new RolecallError('nothing has been applied yet')
    const plain = captureIo()
    expect(await main([name], plain)).toBe(1)
    expect(plain.stderr).toBe('rolecall: nothing has been applied yet\n')
  })
})

/** A Node system error as fs and net raise them. */
function systemError(code: string, syscall: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code}: ${syscall} failed`), { code, syscall, errno: -1, ...fields })
}

describe('describeFailure', () => {
  it.each([
    [systemError('EACCES', 'open', { path: '/etc/plan.json' }), 'rolecall: cannot open /etc/plan.json: permission denied\n'],
    [systemError('EEXIST', 'mkdir', { path: '/srv/out' }), 'rolecall: cannot create the directory /srv/out: it already exists\n'],
    [systemError('ENOTDIR', 'scandir', { path: '/srv/file/access' }), 'rolecall: cannot list the directory /srv/file/access: not a directory\n'],
    [systemError('EISDIR', 'read', { path: '/srv' }), 'rolecall: cannot read /srv: it is a directory, not a file\n'],
    [systemError('ENOSPC', 'write', { path: '/srv/audit.jsonl' }), 'rolecall: cannot write /srv/audit.jsonl: no space left on the device\n'],
    [systemError('EXDEV', 'rename', { path: '/a/x', dest: '/b/x' }), 'rolecall: cannot rename /a/x to /b/x: it is on another device\n'],
    [systemError('EADDRINUSE', 'listen', { address: '127.0.0.1', port: 8080 }), 'rolecall: cannot listen on 127.0.0.1:8080: the address is already in use\n'],
    [systemError('EWHATEVER', 'frob'), 'rolecall: frob failed: EWHATEVER (EWHATEVER)\n'],
    [new StoreBusyError('the store /x is locked by another process; try again'), 'rolecall: the store /x is locked by another process; try again\n'],
    [new StoreError('the store /x is locked'), 'rolecall: the store /x is locked\n'],
  ])('%s', (error, expected) => {
    expect(describeFailure(error, {})).toBe(expected)
  })

  it('adds the stack with ROLECALL_DEBUG', () => {
    expect(describeFailure(systemError('EACCES', 'open', { path: '/p' }), { ROLECALL_DEBUG: 'true' })).toMatch(/^rolecall: cannot open \/p: permission denied\nError: EACCES: open failed\n\s+at /)
    expect(describeFailure(systemError('EACCES', 'open', { path: '/p' }), { ROLECALL_DEBUG: 'false' })).toBe('rolecall: cannot open /p: permission denied\n')
  })
})
