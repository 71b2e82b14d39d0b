// Where the store lives and where the server listens: flags, then ROLECALL_* environment (an empty one is unset), then defaults.
import { describe, expect, it } from 'vitest'
import { resolveHost, resolvePort, resolveStoreLocation } from '../../src/server/config.js'

const resolveDbPath = (flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string) => resolveStoreLocation(flag, env, cwd).display

describe('server configuration', () => {
  it('takes --db, else ROLECALL_DB, else ./data/rolecall.db, relative to the working directory', () => {
    expect(resolveDbPath('x.db', { ROLECALL_DB: '/elsewhere.db' }, '/work')).toBe('/work/x.db')
    expect(resolveDbPath(undefined, { ROLECALL_DB: '/elsewhere.db' }, '/work')).toBe('/elsewhere.db')
    expect(resolveDbPath(undefined, {}, '/work')).toBe('/work/data/rolecall.db')
    // An empty variable is unset: not the working directory as a database.
    expect(resolveDbPath(undefined, { ROLECALL_DB: '' }, '/work')).toBe('/work/data/rolecall.db')
    expect(resolveDbPath(':memory:', {}, '/work')).toBe(':memory:')
  })

  it('takes a postgres:// or postgresql:// URL as a database server, and never shows its password', () => {
    expect(resolveStoreLocation('postgres://rolecall:s3cret@db.internal:5432/rolecall?sslmode=require', {}, '/work')).toEqual({
      backend: 'postgres',
      url: 'postgres://rolecall:s3cret@db.internal:5432/rolecall?sslmode=require',
      display: 'postgres://rolecall:***@db.internal:5432/rolecall?sslmode=require',
    })
    expect(resolveStoreLocation(undefined, { ROLECALL_DB: 'postgresql://db/rolecall' }, '/work')).toMatchObject({ backend: 'postgres', display: 'postgresql://db/rolecall' })
    expect(() => resolveStoreLocation('postgres://u:pw@[bad', {}, '/work')).toThrow(/not a valid database URL/)
    expect(() => resolveStoreLocation('postgres://u:pw@[bad', {}, '/work')).not.toThrow(/pw/)
  })

  it('treats an empty ROLECALL_PORT or ROLECALL_HOST as unset', () => {
    expect(resolvePort(undefined, { ROLECALL_PORT: '' })).toBe(8080)
    expect(resolvePort(undefined, { ROLECALL_PORT: '0' })).toBe(0)
    expect(() => resolvePort('70000', {})).toThrow('--port must be 0 to 65535')
    expect(resolveHost(undefined, { ROLECALL_HOST: '' })).toBe('127.0.0.1')
    expect(resolveHost('::1', { ROLECALL_HOST: '0.0.0.0' })).toBe('::1')
  })
})
