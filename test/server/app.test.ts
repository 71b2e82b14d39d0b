import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { memoryStore } from '../helpers/memory-store.js'

describe('server app', () => {
  it('answers /healthz with the store revision and how many users the check cache holds', async () => {
    const { app } = createServerApp({ store: memoryStore() })
    const response = await app.request('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', revision: 0, checks: { cachedUsers: 0, isWarming: false } })
  })

  it('counts requests by route pattern and status in /metrics', async () => {
    const store = memoryStore()
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
