// Where the store lives and where the server listens: flags, then ROLECALL_* environment (an empty one is unset), then defaults.
import { describe, expect, it } from 'vitest'
import { resolveDbPath, resolveHost, resolvePort } from '../../src/server/config.js'

describe('server configuration', () => {
  it('takes --db, else ROLECALL_DB, else ./data/rolecall.db, relative to the working directory', () => {
    expect(resolveDbPath('x.db', { ROLECALL_DB: '/elsewhere.db' }, '/work')).toBe('/work/x.db')
    expect(resolveDbPath(undefined, { ROLECALL_DB: '/elsewhere.db' }, '/work')).toBe('/elsewhere.db')
    expect(resolveDbPath(undefined, {}, '/work')).toBe('/work/data/rolecall.db')
    // An empty variable is unset: not the working directory as a database.
    expect(resolveDbPath(undefined, { ROLECALL_DB: '' }, '/work')).toBe('/work/data/rolecall.db')
    expect(resolveDbPath(':memory:', {}, '/work')).toBe(':memory:')
  })

  it('treats an empty ROLECALL_PORT or ROLECALL_HOST as unset', () => {
    expect(resolvePort(undefined, { ROLECALL_PORT: '' })).toBe(8080)
    expect(resolvePort(undefined, { ROLECALL_PORT: '0' })).toBe(0)
    expect(() => resolvePort('70000', {})).toThrow('--port must be 0 to 65535')
    expect(resolveHost(undefined, { ROLECALL_HOST: '' })).toBe('127.0.0.1')
    expect(resolveHost('::1', { ROLECALL_HOST: '0.0.0.0' })).toBe('::1')
  })
})
