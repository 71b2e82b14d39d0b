// serve's database settings: --db-* flags, then ROLECALL_DB_* variables, then the defaults; bad values are usage errors naming the setting.
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { defaultDbSettings, resolveDbSettings } from '../../src/server/db-settings.js'

describe('resolveDbSettings', () => {
  it('defaults to 10 connections, 5 s to connect, to wait for a connection and for a lock, and 30 s per statement', () => {
    expect(resolveDbSettings({}, {})).toEqual({ poolSize: 10, connectTimeoutMs: 5000, poolWaitMs: 5000, lockTimeoutMs: 5000, statementTimeoutMs: 30_000 })
    expect(resolveDbSettings({}, {})).toEqual(defaultDbSettings)
  })

  it('takes flags over environment variables, and an empty variable as unset', () => {
    const env = { ROLECALL_DB_POOL_SIZE: '4', ROLECALL_DB_CONNECT_TIMEOUT: '2.5', ROLECALL_DB_POOL_WAIT: '0.25', ROLECALL_DB_LOCK_TIMEOUT: '', ROLECALL_DB_STATEMENT_TIMEOUT: '60' }
    expect(resolveDbSettings({}, env)).toEqual({ poolSize: 4, connectTimeoutMs: 2500, poolWaitMs: 250, lockTimeoutMs: 5000, statementTimeoutMs: 60_000 })
    expect(resolveDbSettings({ 'db-pool-size': '20', 'db-lock-timeout': '1' }, env)).toMatchObject({ poolSize: 20, lockTimeoutMs: 1000 })
  })

  it.each([
    [{ 'db-pool-size': '0' }, {}, '--db-pool-size must be a whole number from 1 to 1000 (got "0")'],
    [{}, { ROLECALL_DB_POOL_SIZE: 'ten' }, 'ROLECALL_DB_POOL_SIZE must be a whole number from 1 to 1000 (got "ten")'],
    [{ 'db-pool-wait': '0' }, {}, '--db-pool-wait must be a number of seconds from 0.001 to 3600 (got "0")'],
    [{}, { ROLECALL_DB_STATEMENT_TIMEOUT: '5s' }, 'ROLECALL_DB_STATEMENT_TIMEOUT must be a number of seconds from 0.001 to 3600 (got "5s")'],
  ])('refuses %j %j', (flags, env, message) => {
    expect(() => resolveDbSettings(flags, env)).toThrow(new UsageError(message))
  })
})
