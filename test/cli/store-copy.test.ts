// rolecall store copy, as a process: SQLite to PostgreSQL (and back, and file to file) with every table, the hashed tokens and the audit chain; a non-empty target refused; a failure mid-way leaves the target empty; no password printed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import type { Store } from '../../src/store/store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { cliPath, runCli, runProcess, type CliResult } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/postgres-db.js'
import { applyRecord } from '../store/contract/applied.js'

const okta = { actor: 'scim:okta' }
let work = ''
const passwords = new Set<string>()
const outputs: CliResult[] = []

async function cli(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { cwd: work })
  outputs.push(result)
  return result
}

async function withStore<T>(location: string, use: 'read' | 'write', work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(location, '/'), { use })
  try {
    return await work(store)
  } finally {
    await store.close()
  }
}

/** A SQLite store with something of every kind; returns the SCIM and admin tokens shown at creation. */
async function populatedSqlite(path: string, users = 40): Promise<{ scim: string; admin: string }> {
  return withStore(path, 'write', async (store) => {
    const scim = (await store.createToken('okta')).token
    await store.revokeToken((await store.createToken('entra')).info.id)
    const admin = (await store.createAdminToken(['plan', 'apply'], 'ci')).token
    const ids: string[] = []
    for (let i = 0; i < users; i++) ids.push((await store.createUser('okta', { userName: `user${i}@acme.example`, active: i % 5 !== 0 }, okta)).id)
    await store.createGroup('okta', { displayName: 'security-admins' }, ids.slice(0, 3), okta)
    await store.createGroup('okta', { displayName: 'checkout-team' }, ids.slice(2), okta)
    await store.recordApply(applyRecord(1), () => undefined)
    await store.addBreakGlass({ user: 'user1@acme.example', actions: ['read'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'oncall@acme.example' })
    return { scim, admin }
  })
}

function headOf(output: string, side: 'Source' | 'Target'): string {
  return new RegExp(`${side} audit head: entry \\d+, hash ([0-9a-f]{64})`).exec(output)?.[1] ?? `no ${side} head in: ${output}`
}

function verifiedHead(output: string): string {
  return /Head: entry \d+, hash ([0-9a-f]{64})/.exec(output)?.[1] ?? `no head in: ${output}`
}

/** The rows a dump of the store at `location` counts. */
async function countsAt(location: string) {
  return withStore(location, 'read', async (store) => {
    for await (const part of store.dump()) if (part.kind === 'summary') return { ...part.counts, revision: part.head.revision }
    throw new Error('no summary')
  })
}

async function database(): Promise<string> {
  const url = await freshDatabase()
  passwords.add(new URL(url).password)
  return url
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rolecall-copy-'))
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  const printed = outputs.map((result) => result.stdout + result.stderr).join('\n')
  for (const password of passwords) expect(printed).not.toContain(password)
})

describe('rolecall store copy', () => {
  it('copies a SQLite store into an empty PostgreSQL database: audit verify there ends at the same head, the tokens shown once still sign in, nothing on stderr', async () => {
    const source = join(work, 'source.db')
    const tokens = await populatedSqlite(source)
    const url = await database()
    const copied = await cli(['store', 'copy', '--from', source, '--to', url])
    expect(copied.code, copied.stderr).toBe(0)
    expect(copied.stderr).toBe('')
    expect(copied.stdout).toContain(`Copied ${source} to ${url.replace(`:${new URL(url).password}@`, ':***@')}`)
    expect(copied.stdout).toMatch(/2 connections, 2 SCIM tokens, 1 admin tokens, 40 users, 2 groups, 41 memberships, 1 applied revisions, 1 break-glass grants, \d+ audit entries\./)
    expect(headOf(copied.stdout, 'Target')).toBe(headOf(copied.stdout, 'Source'))

    const sourceVerify = await cli(['audit', 'verify', '--db', source])
    const targetVerify = await cli(['audit', 'verify', '--db', url])
    expect(targetVerify.code, targetVerify.stderr).toBe(0)
    expect(verifiedHead(targetVerify.stdout)).toBe(verifiedHead(sourceVerify.stdout))
    expect(verifiedHead(targetVerify.stdout)).toBe(headOf(copied.stdout, 'Source'))
    expect((await cli(['token', 'list', '--db', url, '--format', 'json'])).stdout).toBe((await cli(['token', 'list', '--db', source, '--format', 'json'])).stdout)
    expect(await countsAt(url)).toEqual(await countsAt(source))
    await withStore(url, 'read', async (store) => {
      expect(await store.authenticate(tokens.scim)).toBe('okta')
      expect(await store.authenticateAdmin(tokens.admin)).toMatchObject({ scopes: expect.arrayContaining(['plan', 'apply']) })
      expect(await store.snapshot()).toEqual(await withStore(source, 'read', (from) => from.snapshot()))
    })

    // The copy has every index and constraint a store made by rolecall has (a load builds secondary indexes and foreign keys after the rows).
    const indexesOf = async (target: string) => {
      const sql = postgres(target, { max: 1, onnotice: () => undefined })
      try {
        const indexes = await sql.unsafe(`SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
        const constraints = await sql.unsafe(`SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY conname`)
        return [...indexes, ...constraints].map((row) => `${row['name']}: ${row['definition']}`)
      } finally {
        await sql.end()
      }
    }
    const migrated = await database()
    await withStore(migrated, 'write', async () => undefined)
    expect(await indexesOf(url)).toEqual(await indexesOf(migrated))
    // And the planner's statistics of the rows it loaded (ANALYZE), so that a user's groups are read by the index.
    const analyzed = postgres(url, { max: 1, onnotice: () => undefined })
    try {
      const tables = await analyzed.unsafe(`SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema() AND tablename IN ('users', 'groups', 'memberships') ORDER BY tablename`)
      expect(tables.map((row) => row['tablename'])).toEqual(['groups', 'memberships', 'users'])
    } finally {
      await analyzed.end()
    }

    // And back again, into a new SQLite file, and from file to file.
    const back = join(work, 'back.db')
    const returned = await cli(['store', 'copy', '--from', url, '--to', back])
    expect(returned.code, returned.stderr).toBe(0)
    expect(headOf(returned.stdout, 'Target')).toBe(headOf(copied.stdout, 'Source'))
    const again = await cli(['store', 'copy', '--from', back, '--to', join(work, 'again.db'), '--quiet'])
    expect(again.code, again.stderr).toBe(0)
    expect(verifiedHead((await cli(['audit', 'verify', '--db', join(work, 'again.db')])).stdout)).toBe(headOf(copied.stdout, 'Source'))
    const sqliteIndexes = (file: string) => {
      const db = new Database(file, { readonly: true })
      try {
        return db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name`).all()
      } finally {
        db.close()
      }
    }
    expect(sqliteIndexes(join(work, 'again.db'))).toEqual(sqliteIndexes(source))
  })

  it('refuses a target that holds a store with anything in it, says what it found, and leaves it as it was', async () => {
    const source = join(work, 'refused-source.db')
    await populatedSqlite(source, 3)
    const url = await database()
    await withStore(url, 'write', (store) => store.createUser('okta', { userName: 'someone@acme.example' }, okta))
    const before = await countsAt(url)
    const refused = await cli(['store', 'copy', '--from', source, '--to', url])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^rolecall: the store postgres:\/\/\S+:\*\*\*@\S+ is not empty: it holds 1 connections, 1 users, 2 audit entries, revision 1; copy into a new, empty store\n$/)
    expect(await countsAt(url)).toEqual(before)
  })

  it('is all or nothing: a source row the target cannot hold (a NUL in a userName, late in the copy) leaves the target empty, with one line on stderr', async () => {
    const source = join(work, 'nul-source.db')
    await populatedSqlite(source, 30)
    await withStore(source, 'write', (store) => store.createUser('okta', { userName: 'nul\u0000user@acme.example' }, okta))
    const url = await database()
    const failed = await cli(['store', 'copy', '--from', source, '--to', url])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^rolecall: the store postgres:\/\/\S+:\*\*\*@\S+ refused users 1 to 31 of 31: unsupported Unicode escape sequence\n$/)
    expect(failed.stdout).toBe('')
    const empty = await countsAt(url)
    expect(Object.values(empty).every((value) => value === 0)).toBe(true)
    // The same copy into a new file works (SQLite holds the NUL); a failed copy into a new file leaves no file.
    const file = join(work, 'nul-copy.db')
    expect((await cli(['store', 'copy', '--from', source, '--to', file])).code).toBe(0)
    const missing = join(work, 'missing.db')
    const noSource = await cli(['store', 'copy', '--from', missing, '--to', join(work, 'never.db')])
    expect(noSource.code).toBe(1)
    expect(noSource.stderr).toContain(`no database at ${missing}`)
    expect(existsSync(join(work, 'never.db'))).toBe(false)
  })

  it('shows its progress on a terminal, over one line on stderr, and nothing with --quiet', async () => {
    const source = join(work, 'large.db')
    const store = openSqliteStore(source)
    const users = Array.from({ length: 20_000 }, (_, i) => ({ userName: `user${i}@acme.example`, active: true }))
    const groups = Array.from({ length: 200 }, (_, g) => ({ doc: { displayName: `group-${g}` }, memberIndexes: Array.from({ length: 2000 }, (_, k) => (g * 97 + k * 13) % users.length) }))
    store.bulkLoad('okta', users, groups)
    await store.close()
    // script(1) gives the command a terminal; what it wrote there comes back on script's stdout.
    const onTerminal = (target: string, quiet: string[]) =>
      runProcess('script', ['-qfec', [process.execPath, cliPath, 'store', 'copy', '--from', source, '--to', target, ...quiet].join(' '), '/dev/null'], { env: { NO_COLOR: '1' }, input: null })
    const shown = await onTerminal(join(work, 'large-copy.db'), [])
    expect(shown.code, shown.stdout).toBe(0)
    // Each redraw goes back to column 1 (ESC[1G) over the same line; the end erases it (ESC[2K) before the result.
    expect(shown.stdout).toMatch(/\x1b\[1Gcopying memberships \[[=-]+\] [\d,]+ of [\d,]+ · \d+s/)
    expect(shown.stdout.slice(0, shown.stdout.indexOf('Copied '))).not.toContain('\n')
    expect(shown.stdout).toMatch(/\x1b\[2K(\r\n)?Copied /)
    const quiet = await onTerminal(join(work, 'large-quiet.db'), ['--quiet'])
    expect(quiet.code, quiet.stdout).toBe(0)
    expect(quiet.stdout).not.toContain('copying')
    expect(quiet.stdout).toContain('Copied ')
  })

  it('says what it needs: --to, an action, two different stores', async () => {
    const noTarget = await cli(['store', 'copy', '--from', 'a.db'])
    expect(noTarget.code).toBe(1)
    expect(noTarget.stderr).toContain('store copy: --to (a new file path or an empty postgres:// database) is required')
    expect((await cli(['store'])).stderr).toContain('Usage: rolecall store <command> [options]')
    const source = join(work, 'same.db')
    await populatedSqlite(source, 1)
    const same = await cli(['store', 'copy', '--from', source, '--to', source])
    expect(same.stderr).toBe(`rolecall: --from and --to are the same store (${source})\n`)
    const help = (await cli(['store', 'copy', '--help'])).stdout
    expect(help).toContain('Usage: rolecall store copy [options]')
    expect(help).toContain('--to <FILE|URL>')
  })
})
