import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { testStore } from '../helpers/test-store.js'

describe('server app', () => {
  it('answers /healthz with how many users the check cache holds, and /readyz with the store revision', async () => {
    const { app } = createServerApp({ store: await testStore() })
    const response = await app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', checks: { cachedUsers: 0, isWarming: false } })
    const ready = await app.request('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', revision: 0 })
  })

  it('is alive but not ready when the store does not answer: /healthz 200, /readyz 503 with Retry-After', async () => {
    const store = await testStore()
    const { app } = createServerApp({ store })
    await store.close()
    expect((await app.request('/healthz')).status).toBe(200)
    const ready = await app.request('/readyz')
    expect(ready.status).toBe(503)
    expect(ready.headers.get('retry-after')).toBe('1')
    expect(await ready.json()).toEqual({ status: 'unavailable', error: 'the store failed; try again later' })
  })

  it('counts requests by route pattern and status in /metrics', async () => {
    const store = await testStore()
    const { token } = await store.createToken('okta')
    const { app } = createServerApp({ store })
    await app.request('/scim/v2/Users/abc', { headers: { authorization: `Bearer ${token}` } })
    await app.request('/scim/v2/Users/def', { headers: { authorization: `Bearer ${token}` } })
    await app.request('/nowhere')
    const metrics = await (await app.request('/metrics')).text()
    expect(metrics).toContain('rolecall_http_requests_total{method="GET",route="/scim/v2/Users/:id",status="404"} 2')
    expect(metrics).toContain('route="unmatched",status="404"')
    expect(metrics).toMatch(/rolecall_http_request_duration_seconds_count\{method="GET",route="\/scim\/v2\/Users\/:id"\} 2/)
  })
})
