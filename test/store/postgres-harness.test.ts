import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { requirePostgres, startPostgres } from '../helpers/postgres-server.mjs'
import { databaseOf, testPostgres } from '../helpers/postgres.js'

describe('postgres test harness', () => {
  it('fails loudly, saying what to install, when PostgreSQL is missing', () => {
    expect(() => requirePostgres('/nonexistent/postgresql/bin')).toThrow(/apt-get install -y postgresql/)
  })

  it('gives each caller a fresh, empty database on the run\'s cluster', async () => {
    const cluster = await testPostgres()
    const first = await cluster.createDatabase()
    const second = await cluster.createDatabase()
    expect(first).not.toBe(second)
    expect((await cluster.sql(databaseOf(first), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).trim()).toBe('0')
    await cluster.dropDatabase(databaseOf(first))
    await cluster.dropDatabase(databaseOf(second))
  })

  it('starts its own cluster, survives a SIGKILL of the postmaster through restart, and removes everything on stop', async () => {
    const cluster = await startPostgres({ crashSafe: true })
    try {
      const url = await cluster.createDatabase()
      await cluster.sql(databaseOf(url), 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)')
      expect((await cluster.sql('postgres', 'SHOW fsync')).trim()).toBe('off')
      cluster.kill()
      await expect(cluster.sql('postgres', 'SELECT 1')).rejects.toThrow(/psql/)
      await cluster.restart()
      expect((await cluster.sql(databaseOf(url), 'SELECT n FROM kept')).trim()).toBe('42')
    } finally {
      await cluster.stop()
    }
    expect(existsSync(cluster.dir)).toBe(false)
  })
})
