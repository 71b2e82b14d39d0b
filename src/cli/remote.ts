// Remote mode: talk to `rolecall serve`'s admin API instead of opening the database (--server / ROLECALL_SERVER + ROLECALL_TOKEN).
import { RolecallError, StalePlanError, UsageError } from '../errors.js'
import { sendRequest } from '../net/http.js'
import type { Io } from './io.js'

export type Remote = { url: string; token: string }

/** The server to use, or undefined for the local database. The token comes from the environment only, never argv. */
export function remoteOption(server: string | undefined, db: string | undefined, io: Io, isInsecure = false): Remote | undefined {
  const url = server ?? (db === undefined ? io.env.ROLECALL_SERVER : undefined)
  if (url === undefined || url === '') return undefined
  if (server !== undefined && db !== undefined) throw new UsageError('give --server or --db, not both')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`--server must be a URL such as http://127.0.0.1:8080 (got "${url}")`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--server must be http or https (got "${url}")`)
  // An admin token in clear text is anyone's on the way: only to this machine, unless asked for.
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname) && !isInsecure) {
    throw new UsageError(`refusing to send the admin token over plain http:// to ${parsed.host}, which is not this machine: use https://, or pass --insecure if the network in between is yours`)
  }
  const token = io.env.ROLECALL_TOKEN
  if (token === undefined || token === '') throw new UsageError('remote mode needs an admin token in ROLECALL_TOKEN (rolecall admin-token create)')
  return { url: parsed.toString().replace(/\/$/, ''), token }
}

/** 127.0.0.0/8, ::1 and localhost. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** Admin API calls that change nothing on the server, and so may be sent again after a failure, POST though they are. */
const readOnlyPaths = new Set(['/api/v1/plans', '/api/v1/explain', '/api/v1/who-can', '/api/v1/drift'])

type ErrorBody = { error?: unknown; kind?: unknown; diagnostics?: unknown }

function describeDiagnostics(value: unknown): string {
  if (!Array.isArray(value)) return ''
  return value
    .map((item) => {
      const entry = item as { summary?: unknown; code?: unknown; source?: { file?: unknown; line?: unknown; col?: unknown } }
      const where = entry.source === undefined ? '' : `${String(entry.source.file)}:${String(entry.source.line)}:${String(entry.source.col)}: `
      return `\n  ${where}${String(entry.summary)} [${String(entry.code)}]`
    })
    .join('')
}

/** Call the admin API; a refusal becomes a one-line RolecallError (StalePlanError for a stale plan). */
export async function callRemote<T>(remote: Remote, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await sendRequest(`${remote.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${remote.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      isIdempotent: method === 'GET' || readOnlyPaths.has(path),
    })
  } catch (error) {
    throw new RolecallError(`cannot reach ${remote.url}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    throw new RolecallError(`${remote.url}${path} answered ${response.status} with a body that is not JSON`)
  }
  if (response.ok) return parsed as T
  const problem = (parsed ?? {}) as ErrorBody
  const message = `${typeof problem.error === 'string' ? problem.error : `HTTP ${response.status}`}${describeDiagnostics(problem.diagnostics)}`
  if (response.status === 401) throw new RolecallError(`the server refused the token in ROLECALL_TOKEN: ${message}`)
  if (response.status === 403) throw new RolecallError(`the token in ROLECALL_TOKEN may not do this: ${message}`)
  if (problem.kind === 'stale') throw new StalePlanError(message)
  throw new RolecallError(message)
}
