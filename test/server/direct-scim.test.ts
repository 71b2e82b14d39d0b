// Plain SCIM user reads answered before Hono (direct-scim.ts), on a real HTTP server on 127.0.0.1: every request
// gets the answer the Hono app gives the same request, byte for byte, whichever of the two answers it.
import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { directScimReads } from '../../src/server/direct-scim.js'
import type { RequestRecord } from '../../src/server/request-record.js'
import { memoryStore } from '../helpers/memory-store.js'
import { aUser } from '../helpers/scim.js'

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** rolecall serve's composition (serve.ts): the direct reads first, the Hono app for the rest. */
async function setUp() {
  const store = memoryStore()
  const okta = await store.createToken('okta')
  const entra = await store.createToken('entra')
  const { app, recordRequest } = createServerApp({ store })
  const direct: RequestRecord[] = []
  const reads = directScimReads({ store, recordRequest: (record) => (direct.push(record), recordRequest(record)) })
  const toHono = getRequestListener(app.fetch)
  server = createServer((request, response) => {
    const toApp = () => void toHono(request, response)
    if (!reads(request, response, toApp)) toApp()
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const create = async (token: string, userName: string) => {
    const response = await app.request(`${origin}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(aUser(userName, { name: { givenName: 'Å', familyName: 'Ström' } })),
    })
    return ((await response.json()) as { id: string }).id
  }
  return { store, app, origin, direct, okta: okta.token, entra: entra.token, create }
}

/** A GET over the wire with exactly these headers (fetch would not send a Host header of our own). */
function wire(url: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (incoming) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('end', () => {
        const status = incoming.statusCode ?? 0
        const body = status === 304 ? null : Buffer.concat(chunks).toString('utf8')
        resolve(new Response(body, { status, headers: Object.entries(incoming.headers).map(([name, value]) => [name, String(value)]) }))
      })
    }).on('error', reject)
  })
}

type Answer = { status: number; body: string; headers: Record<string, string | null> }

/** What a client sees. app.request leaves Content-Length to the server: there, the body's own length stands for it. */
async function answerOf(response: Response): Promise<Answer> {
  const body = await response.text()
  const headers = Object.fromEntries(['content-type', 'etag', 'www-authenticate'].map((name) => [name, response.headers.get(name)]))
  const length = response.headers.get('content-length') ?? (response.status === 304 ? null : String(Buffer.byteLength(body)))
  return { status: response.status, body, headers: { ...headers, 'content-length': length } }
}

describe('directScimReads', () => {
  it('answers plain reads by id and by filter itself, exactly as the Hono app does', async () => {
    const { app, origin, direct, okta, create } = await setUp()
    const id = await create(okta, 'Sam.Lee@acme.example')
    await create(okta, 'a+b@acme.example')
    const auth = { authorization: `Bearer ${okta}` }
    const paths = [
      `/scim/v2/Users/${id}`,
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "sam.lee@acme.example"')}`,
      '/scim/v2/Users?filter=userName+eq+%22a%2Bb%40acme.example%22',
      `/scim/v2/Users?filter=${encodeURIComponent('userName sw "s"')}&startIndex=1&count=5`,
      `/scim/v2/Users?count=0&filter=${encodeURIComponent('name.familyName eq "Ström"')}`,
      `/scim/v2/Users?filter=${encodeURIComponent('name.familyName eq "Ström"')}`,
      `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@acme.example"')}`,
      `/scim/v2/Users?filter=${encodeURIComponent('nickName eq "x"')}&count=-1&startIndex=0`,
    ]
    for (const path of paths) {
      const before = direct.length
      const answered = await answerOf(await wire(`${origin}${path}`, auth))
      expect(direct.length, path).toBe(before + 1)
      expect(answered, path).toEqual(await answerOf(await app.request(`${origin}${path}`, { headers: auth })))
      expect(answered.status).toBe(200)
    }
    expect(direct.map((record) => [record.route, record.status, record.connection])).toEqual([
      ['/scim/v2/Users/:id', 200, 'okta'],
      ...paths.slice(1).map(() => ['/scim/v2/Users', 200, 'okta']),
    ])
  })

  it('hands everything else to the app: wrong tokens, unknown or foreign ids, bad filters, other parameters and headers', async () => {
    const { app, origin, direct, okta, entra, create } = await setUp()
    const id = await create(okta, 'sam@acme.example')
    const foreign = await create(entra, 'kim@acme.example')
    const auth = { authorization: `Bearer ${okta}` }
    const cases: [string, Record<string, string>, number][] = [
      [`/scim/v2/Users/${id}`, {}, 401],
      [`/scim/v2/Users/${id}`, { authorization: 'Bearer rcs_wrong' }, 401],
      [`/scim/v2/Users/${id}`, { authorization: `Basic ${okta}` }, 401],
      ['/scim/v2/Users/00000000-0000-4000-8000-000000000000', auth, 404],
      [`/scim/v2/Users/${foreign}`, auth, 404],
      ['/scim/v2/Users/.search', auth, 405],
      [`/scim/v2/Users/${id}`, { ...auth, 'if-none-match': 'W/"1"' }, 304],
      [`/scim/v2/Users/${id}?attributes=userName`, auth, 200],
      [`/scim/v2/Users?filter=${encodeURIComponent('userName eq')}`, auth, 400],
      ['/scim/v2/Users?filter=%E0%A4%A', auth, 400],
      [`/scim/v2/Users?filter=${encodeURIComponent('userName pr')}&filter=x`, auth, 200],
      [`/scim/v2/Users?filter=${encodeURIComponent('userName pr')}&sortBy=userName`, auth, 200],
      ['/scim/v2/Users', auth, 200],
      [`/scim/v2/Users?filter=${encodeURIComponent('userName pr')}`, { ...auth, host: `LOCALHOST:${new URL(origin).port}` }, 200],
      // Hono cuts the query at `#`: a filter with an unterminated string.
      ['/scim/v2/Users?filter=userName+eq+%22a#b@acme.example%22', auth, 400],
      // Host headers that look plain but name no host: a 400 once the token is good, never a crash.
      [`/scim/v2/Users/${id}`, { ...auth, host: '999.0.0.1' }, 400],
      [`/scim/v2/Users?filter=${encodeURIComponent('userName pr')}`, { ...auth, host: 'xn--a' }, 400],
      [`/scim/v2/Users/${id}`, { authorization: 'Bearer rcs_wrong', host: '999.0.0.1' }, 401],
    ]
    for (const [path, headers, status] of cases) {
      const before = direct.length
      const answered = await answerOf(await wire(`${origin}${path}`, headers))
      expect(answered.status, path).toBe(status)
      // app.request takes the host from the URL. A Host that names no host cannot go there: its status is the check.
      if (headers.host === undefined) expect(answered, path).toEqual(await answerOf(await app.request(`${origin}${path}`, { headers })))
      else if (URL.canParse(`http://${headers.host}`)) expect(answered, path).toEqual(await answerOf(await app.request(`http://${headers.host.toLowerCase()}${path}`, { headers })))
      expect(direct.length, path).toBe(before)
    }
  })

  it('counts and logs what it answers under the routes the app counts them under', async () => {
    const { app, origin, okta, create } = await setUp()
    const id = await create(okta, 'sam@acme.example')
    const auth = { authorization: `Bearer ${okta}` }
    await fetch(`${origin}/scim/v2/Users/${id}`, { headers: auth })
    await fetch(`${origin}/scim/v2/Users?filter=${encodeURIComponent('userName eq "sam@acme.example"')}`, { headers: auth })
    await app.request(`${origin}/scim/v2/Users/${id}`, { headers: auth })
    await app.request(`${origin}/scim/v2/Users?filter=${encodeURIComponent('userName eq "sam@acme.example"')}`, { headers: auth })
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="200"} 2')
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="/scim/v2/Users",status="200"} 2')
  })
})
