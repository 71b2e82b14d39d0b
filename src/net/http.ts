// Outgoing HTTP for the CLI (a rolecall server, GitHub): a timeout per attempt, retries of idempotent requests with
// backoff, Retry-After and GitHub's rate-limit headers honoured (ky does the retrying), and every answer returned,
// whatever its status, for the caller to word.
import ky, { HTTPError, TimeoutError } from 'ky'

export type HttpSettings = {
  /** Per attempt. */
  timeoutMs: number
  /** Further attempts of an idempotent request after the first. */
  retries: number
  /** The longest wait a server may ask for (Retry-After, X-RateLimit-Reset) before the request gives up. */
  maxRetryAfterMs: number
  fetch?: typeof fetch
}

export const defaultHttpSettings: HttpSettings = { timeoutMs: 30_000, retries: 3, maxRetryAfterMs: 60_000 }

/** Methods that may be sent again: RFC 9110 §9.2.2. A POST (plan, apply, a new comment) is sent once. */
const idempotent = ['get', 'head', 'put', 'delete', 'options']

/** A failure to get any answer, worded for one line: what was asked, where, and why. */
export class HttpFailure extends Error {
  override name = 'HttpFailure'
}

/**
 * Send one request; the response of the last attempt, whatever its status. Idempotent requests (and those the caller
 * marks `isIdempotent`, a POST that only reads) are retried on a
 * network error, a timeout, 408, 429, 500, 502, 503, 504, and GitHub's 403 for an exhausted rate limit
 * (x-ratelimit-remaining: 0), waiting what Retry-After or X-RateLimit-Reset says, else backing off.
 */
export async function sendRequest(url: string, init: { method: string; headers: Record<string, string>; body?: string; isIdempotent?: boolean }, settings: HttpSettings = defaultHttpSettings): Promise<Response> {
  const methods = init.isIdempotent === true ? [...idempotent, init.method.toLowerCase()] : idempotent
  try {
    return await ky(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      timeout: settings.timeoutMs,
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
      retry: {
        limit: settings.retries,
        methods,
        statusCodes: [403, 408, 429, 500, 502, 503, 504],
        afterStatusCodes: [403, 413, 429, 503],
        maxRetryAfter: settings.maxRetryAfterMs,
        backoffLimit: 10_000,
        retryOnTimeout: true,
        // A 403 is a refusal unless GitHub says the rate limit ran out.
        shouldRetry: ({ error }) => (error instanceof HTTPError && error.response.status === 403 && error.response.headers.get('x-ratelimit-remaining') !== '0' ? false : undefined),
      },
    })
  } catch (error) {
    if (error instanceof HTTPError) return error.response
    const attempts = methods.includes(init.method.toLowerCase()) ? ` after ${settings.retries + 1} attempts` : ''
    if (error instanceof TimeoutError) throw new HttpFailure(`no answer within ${settings.timeoutMs / 1000} s${attempts}`)
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error)
    throw new HttpFailure(`${cause}${attempts}`)
  }
}
