// How long `rolecall serve` waits for a request and keeps an idle connection, and how many connections it holds:
// flags, then ROLECALL_* environment, then defaults.
import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { UsageError } from '../errors.js'
import { countSetting, secondsSetting, settingOf } from './settings.js'

/** The limits one server applies to every connection; each is positive, and headersTimeoutMs ≤ requestTimeoutMs. */
export type ServerLimits = {
  /** From a connection's first byte, or a keep-alive request's first byte, until its headers are in. */
  headersTimeoutMs: number
  /** From a request's first byte until its body is in: a client trickling its body is cut off here. */
  requestTimeoutMs: number
  /** How long a connection may sit idle between requests; longer than a load balancer's idle timeout. */
  keepAliveTimeoutMs: number
  /** Connections held at once; one more is closed as it is accepted. */
  maxConnections: number
}

/**
 * An IdP sends each request at once: 10 s for headers and 30 s for a whole request (a 4 MiB SCIM body needs
 * 140 KB/s) are generous to it, and far shorter than Node's 60 s and 300 s. Idle connections stay open 65 s,
 * past the 60 s idle timeout of an AWS load balancer: a server that closes first races the balancer's next
 * request on that connection, which the balancer then answers with a 502.
 */
export const defaultLimits: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 1000 }

/** The flags `serve` takes for its limits, as its command-line spec declares them (flag, then variable, then default). */
export const limitFlags = {
  'headers-timeout': { type: 'string', value: 'SECONDS', description: "time for a request's headers to arrive", env: 'ROLECALL_HEADERS_TIMEOUT', defaultText: String(defaultLimits.headersTimeoutMs / 1000) },
  'request-timeout': { type: 'string', value: 'SECONDS', description: 'time for a whole request to arrive', env: 'ROLECALL_REQUEST_TIMEOUT', defaultText: String(defaultLimits.requestTimeoutMs / 1000) },
  'keep-alive-timeout': { type: 'string', value: 'SECONDS', description: 'how long an idle connection stays open', env: 'ROLECALL_KEEP_ALIVE_TIMEOUT', defaultText: String(defaultLimits.keepAliveTimeoutMs / 1000) },
  'max-connections': { type: 'string', value: 'N', description: 'connections held at once', env: 'ROLECALL_MAX_CONNECTIONS', defaultText: String(defaultLimits.maxConnections) },
} as const

type LimitFlag = keyof typeof limitFlags
export type LimitFlagValues = { [F in LimitFlag]?: string | undefined }

const maxTimeoutSeconds = 3600
const maxConnectionsCap = 1_000_000

const setting = (flag: LimitFlag, values: LimitFlagValues, env: NodeJS.ProcessEnv) => settingOf(flag, values[flag], limitFlags[flag].env, env)

function timeoutMs(flag: LimitFlag, values: LimitFlagValues, env: NodeJS.ProcessEnv, fallback: number): number {
  return secondsSetting(setting(flag, values, env), fallback, maxTimeoutSeconds)
}

function connections(values: LimitFlagValues, env: NodeJS.ProcessEnv, fallback: number): number {
  return countSetting(setting('max-connections', values, env), fallback, maxConnectionsCap)
}

/** The limits from --headers-timeout, --request-timeout, --keep-alive-timeout (seconds) and --max-connections, or their ROLECALL_* variables. */
export function resolveServerLimits(values: LimitFlagValues, env: NodeJS.ProcessEnv): ServerLimits {
  const limits: ServerLimits = {
    headersTimeoutMs: timeoutMs('headers-timeout', values, env, defaultLimits.headersTimeoutMs),
    requestTimeoutMs: timeoutMs('request-timeout', values, env, defaultLimits.requestTimeoutMs),
    keepAliveTimeoutMs: timeoutMs('keep-alive-timeout', values, env, defaultLimits.keepAliveTimeoutMs),
    maxConnections: connections(values, env, defaultLimits.maxConnections),
  }
  // Node refuses this too (ERR_OUT_OF_RANGE): the request timeout runs from the same first byte, over the headers.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError(`the headers timeout (${limits.headersTimeoutMs / 1000} s) must not exceed the request timeout (${limits.requestTimeoutMs / 1000} s), which covers the headers too`)
  }
  return limits
}

/** How often Node looks for requests past their timeouts (30 s by default): every second, or sooner for short ones. */
export function checkingIntervalMs(limits: ServerLimits): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)))
}

/** Refused connections are logged once as the first is refused, then as a count at most once per window. */
const dropWindowMs = 10_000

type LimitsLogger = Pick<Logger, 'warn'>

/**
 * Applies `limits` to `server`, before it listens, and logs the connections refused at the cap. A request out of
 * time is answered 408 by the server's clientError handler (src/http/node-server.ts), which reads the timeouts set here.
 */
export function applyServerLimits(server: Server, limits: ServerLimits, logger: LimitsLogger): void {
  server.headersTimeout = limits.headersTimeoutMs
  server.requestTimeout = limits.requestTimeoutMs
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.maxConnections = limits.maxConnections
  // Read as the server starts listening; @types/node has it as an option of createServer only.
  Object.assign(server, { connectionsCheckingInterval: checkingIntervalMs(limits) })

  let refused = 0
  let window: NodeJS.Timeout | undefined
  const closeWindow = () => {
    window = undefined
    if (refused === 0) return
    logger.warn({ refused, maxConnections: limits.maxConnections }, 'connections refused at the connection cap')
    refused = 0
    window = setTimeout(closeWindow, dropWindowMs)
    window.unref()
  }
  server.on('drop', () => {
    refused += 1
    if (window === undefined) closeWindow()
  })
}
