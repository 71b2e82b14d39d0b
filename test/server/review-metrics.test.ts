import { describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/server/app.js'
import { testStore } from '../helpers/test-store.js'

describe('review metrics', () => {
  it('reports open and overdue reviews and their pending and decided items on /metrics', async () => {
    const store = await testStore()
    const { app } = createServerApp({
      store,
      reviewProgress: async () => [
        { campaign: 'privileged-access', id: '2026-11-23-66f7b1ae', decided: 30, pending: 4, overdue: true },
        { campaign: 'standard-access', id: '2026-11-23-0a1b2c3d', decided: 0, pending: 120, overdue: false },
      ],
    })
    const text = await (await app.request('/metrics')).text()
    expect(text).toContain('rolecall_reviews_open 2')
    expect(text).toContain('rolecall_reviews_overdue 1')
    expect(text).toContain('rolecall_review_items{campaign="privileged-access",review="2026-11-23-66f7b1ae",state="pending"} 4')
    expect(text).toContain('rolecall_review_items{campaign="standard-access",review="2026-11-23-0a1b2c3d",state="decided"} 0')
    await store.close()
  })

  it('has no review gauges when no reviews directory is given', async () => {
    const store = await testStore()
    const text = await (await createServerApp({ store }).app.request('/metrics')).text()
    expect(text).not.toContain('rolecall_review')
    await store.close()
  })
})
