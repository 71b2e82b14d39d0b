// The serve limits: flags, then ROLECALL_* environment (an empty one is unset), then defaults; bad values are usage errors.
import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { applyServerLimits, checkingIntervalMs, defaultLimits, resolveServerLimits } from '../../src/server/limits.js'

const silent = { warn: () => undefined }

describe('server limits', () => {
  it('defaults to 10 s for headers, 30 s for a request, 65 s of keep-alive and 1000 connections', () => {
    expect(resolveServerLimits({}, {})).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 1000 })
    // Keep-alive outlasts an AWS load balancer's 60 s idle timeout; the timeouts are far below Node's 60 s and 300 s.
    expect(defaultLimits.keepAliveTimeoutMs).toBeGreaterThan(60_000)
  })

  it('takes flags over ROLECALL_* variables, and seconds with up to millisecond precision', () => {
    const env = { ROLECALL_HEADERS_TIMEOUT: '5', ROLECALL_REQUEST_TIMEOUT: '20', ROLECALL_KEEP_ALIVE_TIMEOUT: '125', ROLECALL_MAX_CONNECTIONS: '64' }
    expect(resolveServerLimits({}, env)).toEqual({ headersTimeoutMs: 5000, requestTimeoutMs: 20_000, keepAliveTimeoutMs: 125_000, maxConnections: 64 })
    const flags = { 'headers-timeout': '0.25', 'request-timeout': '1.5', 'keep-alive-timeout': '620', 'max-connections': '3' }
    expect(resolveServerLimits(flags, env)).toEqual({ headersTimeoutMs: 250, requestTimeoutMs: 1500, keepAliveTimeoutMs: 620_000, maxConnections: 3 })
    const empty = { ROLECALL_HEADERS_TIMEOUT: '', ROLECALL_REQUEST_TIMEOUT: '', ROLECALL_KEEP_ALIVE_TIMEOUT: '', ROLECALL_MAX_CONNECTIONS: '' }
    expect(resolveServerLimits({}, empty)).toEqual(defaultLimits)
  })

  it.each([
    [{ 'request-timeout': '0' }, {}, '--request-timeout must be a number of seconds from 0.001 to 3600 (got "0")'],
    [{ 'request-timeout': '30s' }, {}, '--request-timeout must be a number of seconds from 0.001 to 3600 (got "30s")'],
    [{ 'headers-timeout': '-1' }, {}, '--headers-timeout must be a number of seconds from 0.001 to 3600 (got "-1")'],
    [{ 'keep-alive-timeout': '3601' }, {}, '--keep-alive-timeout must be a number of seconds from 0.001 to 3600 (got "3601")'],
    [{ 'keep-alive-timeout': '0.0001' }, {}, '--keep-alive-timeout must be a number of seconds from 0.001 to 3600 (got "0.0001")'],
    [{}, { ROLECALL_KEEP_ALIVE_TIMEOUT: 'forever' }, 'ROLECALL_KEEP_ALIVE_TIMEOUT must be a number of seconds from 0.001 to 3600 (got "forever")'],
    [{ 'max-connections': '0' }, {}, '--max-connections must be a whole number from 1 to 1000000 (got "0")'],
    [{ 'max-connections': '2.5' }, {}, '--max-connections must be a whole number from 1 to 1000000 (got "2.5")'],
    [{}, { ROLECALL_MAX_CONNECTIONS: '1e3' }, 'ROLECALL_MAX_CONNECTIONS must be a whole number from 1 to 1000000 (got "1e3")'],
    [{ 'headers-timeout': '40' }, {}, 'the headers timeout (40 s) must not exceed the request timeout (30 s), which covers the headers too'],
    [{ 'request-timeout': '5' }, {}, 'the headers timeout (10 s) must not exceed the request timeout (5 s), which covers the headers too'],
  ])('refuses %j with %j as a usage error', (flags, env, message) => {
    expect(() => resolveServerLimits(flags, env)).toThrow(UsageError)
    expect(() => resolveServerLimits(flags, env)).toThrow(message)
  })

  it('checks for expired requests every second, or a quarter of a shorter timeout', () => {
    expect(checkingIntervalMs(defaultLimits)).toBe(1000)
    expect(checkingIntervalMs({ ...defaultLimits, headersTimeoutMs: 2000, requestTimeoutMs: 3000 })).toBe(500)
    expect(checkingIntervalMs({ ...defaultLimits, headersTimeoutMs: 1, requestTimeoutMs: 1 })).toBe(10)
  })

  it('sets the timeouts and the cap on a node:http server, and logs the connections refused at the cap', () => {
    const server = createServer()
    applyServerLimits(server, { headersTimeoutMs: 2000, requestTimeoutMs: 3000, keepAliveTimeoutMs: 65_000, maxConnections: 7 }, silent)
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([2000, 3000, 65_000, 7])
    expect(Reflect.get(server, 'connectionsCheckingInterval')).toBe(500)
    expect(server.listenerCount('drop')).toBe(1)
  })
})
