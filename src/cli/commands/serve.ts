// rolecall serve: the SCIM endpoint, the admin and check API, /healthz and /metrics over HTTP, with graceful shutdown on SIGTERM.
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { createNodeServer } from '../../http/node-server.js'
import { createServerApp, metricsAuths } from '../../server/app.js'
import { LogBuffer } from '../../server/log-buffer.js'
import { choiceSetting, settingOf } from '../../server/settings.js'
import { resolveHost, resolvePort, resolveStoreLocation } from '../../server/config.js'
import { resolveApprovalVerification } from '../../server/approvals-config.js'
import { resolveDbSettings } from '../../server/db-settings.js'
import { resolveExplorerOptions } from '../../server/explorer-config.js'
import { applyServerLimits, resolveServerLimits } from '../../server/limits.js'
import { openStore } from '../../store/open-store.js'
import { feedDelayMs } from '../../store/store.js'
import { UsageError } from '../../errors.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { serveSpec } from '../specs/operate.js'
import { bootstrap } from '../bootstrap.js'
import { readNow } from '../clock.js'
import { reviewsDirOption } from '../review-files.js'
import { openReviewProgress } from '../review/progress.js'

/** The levels `--log-level` takes: pino's, lowest to highest, and `silent` for no log at all. */
const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

/** pino's `isoTime`, formatting the time once per millisecond rather than once per line. */
function isoTimeOncePerMs(): () => string {
  let lastMs = -1
  let last = ''
  return () => {
    const now = Date.now()
    if (now !== lastMs) {
      lastMs = now
      last = `,"time":"${new Date(now).toISOString()}"`
    }
    return last
  }
}

/** How long in-flight requests may take to finish after SIGTERM before connections are cut. */
const drainMs = 10_000

/** `host` as the authority of a URL: an IPv6 address in brackets (RFC 3986 §3.2.2). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** Whether `host` is a wildcard address, that binds every interface: 0.0.0.0, ::, 0:0:0:0:0:0:0:0, … */
export function isEveryInterface(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return bare === '0.0.0.0' || (bare.includes(':') && /^[0:]+$/.test(bare))
}

/** Why binding failed, for the codes a wrong --host or --port gives; anything else keeps Node's message. */
const listenProblems: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
}

function listenFailure(error: Error & { code?: string }, host: string, port: number): string {
  const problem = (error.code === undefined ? undefined : listenProblems[error.code]) ?? error.message
  return `rolecall: cannot listen on ${urlHost(host)}:${port}: ${problem}\n`
}

export async function run({ values }: Parsed<typeof serveSpec>, io: Io): Promise<number> {
  const location = resolveStoreLocation(values.db, io.env, io.cwd)
  const port = resolvePort(values.port, io.env)
  const hostname = resolveHost(values.host, io.env)
  const explorer = resolveExplorerOptions(values, io.env, hostname)
  const limits = resolveServerLimits(values, io.env)
  const connection = resolveDbSettings(values, io.env)
  if (values['token-file'] !== undefined && values.bootstrap !== true) throw new UsageError('--token-file is where --bootstrap writes the SCIM tokens it makes; give --bootstrap too')
  const logLevel = choiceSetting(settingOf('log-level', values['log-level'], 'ROLECALL_LOG_LEVEL', io.env), logLevels, 'info')
  const metricsAuth = choiceSetting(settingOf('metrics-auth', values['metrics-auth'], 'ROLECALL_METRICS_AUTH', io.env), metricsAuths, 'none')
  const approvals = await resolveApprovalVerification(values, io.env, io.cwd)
  if (values.bootstrap === true) await bootstrap({ dir: values.dir, location, connection, tokenFile: values['token-file'] }, io)

  // Lines are buffered up to 32 KiB (one write per ~150 requests, not per request) and flushed every 250 ms.
  const destination = new LogBuffer(1, 32 * 1024)
  const flusher = setInterval(() => destination.flush(), 250)
  flusher.unref()
  const logger = pino({ level: logLevel, base: { service: 'rolecall' }, timestamp: isoTimeOncePerMs() }, destination)
  // Retry, not block, on another process's write lock: a blocking wait would stall every request (see batcher.ts).
  const store = await openStore(location, { use: 'serve', connection })
  // Review gauges only when a reviews directory is named: a server need not sit next to the repository.
  const reviewsDir = values.reviews ?? io.env.ROLECALL_REVIEWS_DIR
  const reviewProgress = reviewsDir === undefined || reviewsDir === '' ? undefined : () => openReviewProgress(reviewsDirOption(reviewsDir, io), io.cwd, readNow(io.env))
  const { pipeline, checks } = createServerApp({
    store,
    logger,
    processMetrics: true,
    metricsAuth,
    checks: { warm: true, foreignWritesEveryMs: feedDelayMs },
    explorer,
    approvals,
    ...(reviewProgress === undefined ? {} : { reviewProgress }),
  })
  // No path or header of a refused request is logged: they may hold a token.
  const onRefused = (refusal: { status: number; code: string | undefined }) => logger.info(refusal, 'request refused before routing')
  const { server, beginStopping } = createNodeServer(pipeline, (error) => logger.error({ err: error }, 'unexpected error'), onRefused)
  applyServerLimits(server, limits, logger)

  let isStopping = false
  return await new Promise<number>((resolveExit) => {
    let isListening = false
    server.listen(port, hostname, () => {
      isListening = true
      const info = server.address() as AddressInfo
      logger.info({ host: info.address, port: info.port, db: location.display, url: `http://${urlHost(hostname)}:${info.port}/scim/v2` }, 'listening')
      if (isEveryInterface(hostname)) {
        const warning = `serving plain HTTP on every interface (${hostname}): bearer tokens travel in clear unless a TLS proxy fronts this server`
        logger.warn({ host: hostname }, warning)
        io.err(`rolecall: warning: ${warning}\n`)
      }
      destination.flush()
      checks.start()
    })
    server.on('error', (error: Error & { code?: string }) => {
      logger.error({ err: error }, 'server error')
      destination.flushSync()
      // The log line is for collectors; whoever started the server reads one line on stderr, as for other commands.
      if (!isListening) io.err(listenFailure(error, hostname, port))
      void store.close().then(() => resolveExit(1))
    })

    const stop = (signal: string) => {
      if (isStopping) return
      isStopping = true
      beginStopping()
      logger.info({ signal }, 'shutting down: finishing in-flight requests')
      const force = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections()
      }, drainMs)
      force.unref()
      // Keep-alive connections go idle as their last response is sent: close them as they do.
      const reap = setInterval(() => {
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      }, 50)
      server.close(() => {
        clearTimeout(force)
        clearInterval(reap)
        checks.close()
        // Every acknowledged write is already durable; close() commits anything still batched.
        void store.close().then(() => {
          logger.info('stopped')
          clearInterval(flusher)
          destination.flushSync()
          process.off('SIGTERM', onTerm)
          process.off('SIGINT', onInt)
          resolveExit(0)
        })
      })
      if ('closeIdleConnections' in server) server.closeIdleConnections()
    }
    const onTerm = () => stop('SIGTERM')
    const onInt = () => stop('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  })
}
