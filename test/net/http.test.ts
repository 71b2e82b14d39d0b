// Outgoing requests survive a bad network: retries of idempotent requests, Retry-After and GitHub's rate limit,
// a timeout per attempt, and one line for the final failure. Against a real HTTP server on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpFailure, sendRequest } from '../../src/net/http.js'
import { runCli } from '../helpers/cli.js'

type Handler = (request: IncomingMessage, response: ServerResponse, attempt: number) => void
let close: (() => Promise<void>) | undefined

afterEach(async () => {
  await close?.()
  close = undefined
})

/** A server answering with `handler`; resolves its URL and a count of the requests it got. */
async function serve(handler: Handler): Promise<{ url: string; requests: () => number }> {
  let count = 0
  const server = createServer((request, response) => handler(request, response, ++count))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, requests: () => count }
}

const fast = { timeoutMs: 2000, retries: 3, maxRetryAfterMs: 5000 }

describe('sendRequest', () => {
  it('retries a GET on 503 as Retry-After says, and returns the answer that finally came', async () => {
    const { url, requests } = await serve((_request, response, attempt) => {
      if (attempt < 3) response.writeHead(503, { 'retry-after': '0' }).end('busy')
      else response.writeHead(200).end('ok')
    })
    const response = await sendRequest(url, { method: 'GET', headers: {} }, fast)
    expect([response.status, await response.text(), requests()]).toEqual([200, 'ok', 3])
  })

  it("waits for GitHub's rate-limit reset on a 403 that says the limit ran out, and not on another 403", async () => {
    const limited = await serve((_request, response, attempt) => {
      if (attempt === 1) response.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000)) }).end('{"message":"API rate limit exceeded"}')
      else response.writeHead(200).end('[]')
    })
    expect((await sendRequest(limited.url, { method: 'GET', headers: {} }, fast)).status).toBe(200)
    expect(limited.requests()).toBe(2)
    await close?.()
    const refused = await serve((_request, response) => response.writeHead(403).end('{"message":"Resource not accessible by integration"}'))
    expect((await sendRequest(refused.url, { method: 'GET', headers: {} }, fast)).status).toBe(403)
    expect(refused.requests()).toBe(1)
  })

  it('sends a POST once, unless the caller says it only reads', async () => {
    const { url, requests } = await serve((_request, response) => response.writeHead(503, { 'retry-after': '0' }).end())
    expect((await sendRequest(url, { method: 'POST', headers: {}, body: '{}' }, fast)).status).toBe(503)
    expect(requests()).toBe(1)
    expect((await sendRequest(url, { method: 'POST', headers: {}, body: '{}', isIdempotent: true }, fast)).status).toBe(503)
    expect(requests()).toBe(1 + 4)
  })

  it('gives up on a server that does not answer, in one line', async () => {
    const { url, requests } = await serve(() => undefined)
    await expect(sendRequest(url, { method: 'GET', headers: {} }, { timeoutMs: 200, retries: 1, maxRetryAfterMs: 1000 })).rejects.toThrow(new HttpFailure('no answer within 0.2 s after 2 attempts'))
    expect(requests()).toBe(2)
  })
})

describe('the admin token over the network', () => {
  it.each(['http://rolecall.example:8080', 'http://10.1.2.3'])('is not sent over plain http to %s without --insecure', async (server) => {
    const result = await runCli(['plan', '--server', server], { env: { ROLECALL_TOKEN: 'rca_x' } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`rolecall: refusing to send the admin token over plain http:// to ${new URL(server).host}, which is not this machine: use https://, or pass --insecure if the network in between is yours`)
  })

  it('goes to loopback over plain http, and says in one line when nothing answers there', async () => {
    const { url } = await serve((_request, response) => response.writeHead(503, { 'retry-after': '0' }).end('{"error":"the store is unavailable"}'))
    const result = await runCli(['drift', '--server', new URL(url).origin, '--format', 'json'], { env: { ROLECALL_TOKEN: 'rca_x' } })
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'rolecall: the store is unavailable\n' })
  })
})
