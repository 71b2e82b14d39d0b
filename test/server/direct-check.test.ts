// The direct check handler on a real HTTP server on 127.0.0.1: the routes it leaves to the app, and a failure
// that is not the client's fault.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { CheckService } from '../../src/server/check-service.js'
import { directCheck } from '../../src/server/direct-check.js'
import { requestRecorder, type RequestRecord } from '../../src/server/request-record.js'
import { memoryStore } from '../helpers/memory-store.js'

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function serve(handle: (request: IncomingMessage, response: ServerResponse) => boolean) {
  server = createServer((request, response) => {
    if (!handle(request, response)) response.writeHead(404).end('left to the app')
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('directCheck', () => {
  it('answers only POST /api/v1/check, exactly; a failure of the store is a JSON 500, reported and counted', async () => {
    const store = memoryStore()
    const { token } = await store.createAdminToken(['check'])
    const checks = new CheckService(store, () => new Date())
    const seen: unknown[] = []
    const records: RequestRecord[] = []
    const record = requestRecorder(new Registry(), undefined)
    const url = await serve(directCheck({ store, checks, clock: () => new Date(), recordRequest: (entry) => (records.push(entry), record(entry)), onUnexpected: (error) => seen.push(error) }))
    expect(await (await fetch(`${url}/api/v1/check`)).text()).toBe('left to the app')
    expect(await (await fetch(`${url}/api/v1/check?x=1`, { method: 'POST', body: '{}' })).text()).toBe('left to the app')
    await store.close()
    const response = await fetch(`${url}/api/v1/check`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"user":"a@b","permission":"x"}' })
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'internal error' })
    expect(seen).toHaveLength(1)
    expect(records.map((entry) => [entry.method, entry.route, entry.status])).toEqual([['POST', '/api/v1/check', 500]])
    checks.close()
  })
})
