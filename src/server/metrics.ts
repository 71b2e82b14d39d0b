// What the server counts for /metrics beyond requests: checks, SCIM operations, applies, drift and caches.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Risk } from '../model/risk.js'
import type { DriftReport } from '../plan/drift.js'
import type { CacheCounts } from '../util/cache-counts.js'
import type { Hold } from '../store/holds.js'

export type CheckOutcome = 'allowed' | 'denied' | 'error'
export type ApplyMetricOutcome = 'applied' | 'no_changes' | 'stale' | 'refused' | 'invalid' | 'error'

export type ServerMetrics = {
  /** One answer of the check API: its outcome (`error`: a question refused as malformed, or a failure) and how long it took. */
  check(outcome: CheckOutcome, seconds: number): void
  /** One apply through the admin API, whatever became of it. */
  apply(outcome: ApplyMetricOutcome, seconds: number): void
  /** The drift last computed (POST /api/v1/drift), by risk: the whole report, before any limit on what it lists. */
  drift(report: DriftReport, at: Date): void
}

const risks: readonly Risk[] = ['low', 'medium', 'high', 'critical']

/**
 * Registers the server's metrics on `registry`; `caches` is read at each scrape, and so is `holds` (every hold in
 * the store, so the same on every replica: counted from the store, not from this process's writes).
 */
export function serverMetrics(registry: Registry, caches: () => readonly CacheCounts[], holds?: () => Promise<readonly Pick<Hold, 'status'>[]>): ServerMetrics {
  const checks = new Counter({ name: 'rolecall_checks_total', help: 'Check API answers by outcome (allowed, denied, error).', labelNames: ['outcome'] as const, registers: [registry] })
  const checkSeconds = new Histogram({
    name: 'rolecall_check_duration_seconds',
    help: 'Time to answer a check, from the parsed request to the answer.',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registers: [registry],
  })
  // Bound once: the check API is the hot path, and labelling by value hashes the labels on every call.
  const byOutcome = { allowed: checks.labels('allowed'), denied: checks.labels('denied'), error: checks.labels('error') }
  for (const counter of Object.values(byOutcome)) counter.inc(0)
  const applies = new Counter({ name: 'rolecall_applies_total', help: 'Applies through the admin API by outcome (applied, no_changes, stale, refused, invalid, error).', labelNames: ['outcome'] as const, registers: [registry] })
  const applySeconds = new Histogram({
    name: 'rolecall_apply_duration_seconds',
    help: 'Time an apply through the admin API took, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  })
  const driftChanges = new Gauge({ name: 'rolecall_drift_access_changes', help: 'Access gained or lost through SCIM without review since the last apply, by risk, as last computed.', labelNames: ['risk'] as const, registers: [registry] })
  const driftBreakGlass = new Gauge({ name: 'rolecall_drift_break_glass_grants', help: 'Active break-glass grants, by risk, as last computed.', labelNames: ['risk'] as const, registers: [registry] })
  const driftAt = new Gauge({ name: 'rolecall_drift_computed_timestamp_seconds', help: 'When drift was last computed (Unix time); 0 for never.', registers: [registry] })
  new Counter({ name: 'rolecall_cache_hits_total', help: 'Lookups a cache answered from what it held, by cache.', labelNames: ['cache'] as const, registers: [registry], collect: collectCaches('hits') })
  new Counter({ name: 'rolecall_cache_misses_total', help: 'Lookups a cache had to pass on, by cache.', labelNames: ['cache'] as const, registers: [registry], collect: collectCaches('misses') })
  driftAt.set(0)
  if (holds !== undefined) {
    // One read of the store per scrape, shared by the four series.
    let counted: Promise<Map<string, number>> | undefined
    const countHolds = () => {
      counted ??= holds()
        .then((all) => {
          const byStatus = new Map<string, number>([['created', all.length]])
          for (const hold of all) byStatus.set(hold.status, (byStatus.get(hold.status) ?? 0) + 1)
          return byStatus
        })
        .finally(() => setImmediate(() => (counted = undefined)))
      return counted
    }
    const fromStore = (status: string) =>
      async function (this: Gauge | Counter) {
        // A store that does not answer leaves the series as last read: /metrics still answers.
        const counts = await countHolds().catch(() => undefined)
        if (counts === undefined) return
        this.reset()
        this.inc(counts.get(status) ?? 0)
      }
    new Gauge({ name: 'rolecall_holds_open', help: 'Held IdP changes waiting for a reviewed apply (open holds), in the store.', registers: [registry], collect: fromStore('open') })
    new Counter({ name: 'rolecall_holds_created_total', help: 'Holds the IdP change guard has made, in the store.', registers: [registry], collect: fromStore('created') })
    new Counter({ name: 'rolecall_holds_released_total', help: 'Holds a reviewed apply released, in the store.', registers: [registry], collect: fromStore('released') })
    new Counter({ name: 'rolecall_holds_rejected_total', help: 'Holds rejected with rolecall hold reject, in the store.', registers: [registry], collect: fromStore('rejected') })
  }

  /** Counters the caches keep themselves, copied in at each scrape. */
  function collectCaches(which: 'hits' | 'misses') {
    return function (this: Counter<'cache'>) {
      this.reset()
      for (const counts of caches()) this.inc({ cache: counts.cache }, counts[which])
    }
  }

  return {
    check: (outcome, seconds) => {
      byOutcome[outcome].inc()
      checkSeconds.observe(seconds)
    },
    apply: (outcome, seconds) => {
      applies.inc({ outcome })
      applySeconds.observe({ outcome }, seconds)
    },
    drift: (report, at) => {
      for (const risk of risks) {
        driftChanges.set({ risk }, report.scim.filter((change) => change.risk === risk).length)
        driftBreakGlass.set({ risk }, report.breakGlass.filter((grant) => grant.risk === risk).length)
      }
      driftAt.set(at.getTime() / 1000)
    },
  }
}
