// Prometheus gauges of the access reviews in progress: open reviews, overdue ones, and items pending or decided.
import { Gauge, type Registry } from 'prom-client'

/** One open review as the reviews directory shows it. */
export type ReviewProgress = { campaign: string; id: string; decided: number; pending: number; overdue: boolean }

/**
 * Registers the gauges; the registry collects them together, so `read` runs once per scrape and every gauge sets
 * itself from that one read. A failure to read leaves them at zero for that scrape.
 */
export function registerReviewMetrics(registry: Registry, read: () => Promise<readonly ReviewProgress[]>): void {
  let reading: Promise<readonly ReviewProgress[]> | undefined
  const once = (): Promise<readonly ReviewProgress[]> => {
    reading ??= read()
      .catch(() => [])
      .finally(() => setTimeout(() => (reading = undefined), 0))
    return reading
  }
  new Gauge({
    name: 'rolecall_reviews_open',
    help: 'Access reviews opened and not yet closed.',
    registers: [registry],
    async collect() {
      this.set((await once()).length)
    },
  })
  new Gauge({
    name: 'rolecall_reviews_overdue',
    help: 'Open access reviews past their deadline with items undecided.',
    registers: [registry],
    async collect() {
      this.set((await once()).filter((review) => review.overdue).length)
    },
  })
  new Gauge({
    name: 'rolecall_review_items',
    help: 'Items of open access reviews, by campaign, review and state (pending or decided).',
    labelNames: ['campaign', 'review', 'state'],
    registers: [registry],
    async collect() {
      const reviews = await once()
      this.reset()
      for (const review of reviews) {
        this.set({ campaign: review.campaign, review: review.id, state: 'pending' }, review.pending)
        this.set({ campaign: review.campaign, review: review.id, state: 'decided' }, review.decided)
      }
    },
  })
}
