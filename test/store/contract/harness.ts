// Per-test fixtures of the store contract: a fresh underlying store, a clock the test sets, more store objects on
// the same underlying store, and the clean-up of all of them.
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Store } from '../../../src/store/store.js'
import type { AuditTamper, Capability, StoreBackend } from './backend.js'

/** A clock that moves only when the test moves it. */
export type ManualClock = { now: () => Date; iso: () => string; set: (iso: string) => void; advance: (ms: number) => void }

export const startTime = '2026-03-02T09:00:00.000Z'

export function manualClock(iso = startTime): ManualClock {
  let time = Date.parse(iso)
  return {
    now: () => new Date(time),
    iso: () => new Date(time).toISOString(),
    set: (next) => {
      time = Date.parse(next)
    },
    advance: (ms) => {
      time += ms
    },
  }
}

export type Fixture = {
  /** A store object on a new, empty underlying store. */
  store: Store
  clock: ManualClock
  /** Another independent store object on the same underlying store (a second process or replica), same clock. */
  another: () => Promise<Store>
  tamper: AuditTamper
}

export type Contract = {
  backend: StoreBackend
  fresh: () => Promise<Fixture>
  /**
   * One store for every test of the enclosing describe, seeded once (read-only tests over one dataset): call in the
   * describe's body; the returned function gives the seed's value inside a test.
   */
  seeded: <T>(seed: (fixture: Fixture) => Promise<T>) => () => T & { fixture: Fixture }
  can: (capability: Capability) => boolean
  /** For a test's name: what the backend said it cannot do, or nothing. */
  unless: (capability: Capability) => string
}

/** A new underlying store of `backend` with its first store object; `close` closes every object, then removes it. */
async function openFixture(backend: StoreBackend): Promise<{ fixture: Fixture; close: () => Promise<void> }> {
  const location = await backend.create()
  const clock = manualClock()
  const stores: Store[] = []
  const another = async () => {
    const store = await location.open({ clock: clock.now })
    stores.push(store)
    return store
  }
  const close = async () => {
    for (const store of stores) await store.close()
    await location.destroy()
  }
  return { fixture: { store: await another(), clock, another, tamper: location.tamper }, close }
}

/** The contract's fixtures for `backend`; call inside the suite's describe, so that every test cleans up after itself. */
export function useContract(backend: StoreBackend): Contract {
  const toClose: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const close of toClose.splice(0)) await close()
  })
  const fresh = async () => {
    const opened = await openFixture(backend)
    toClose.push(opened.close)
    return opened.fixture
  }
  const seeded = <T>(seed: (fixture: Fixture) => Promise<T>) => {
    let value: (T & { fixture: Fixture }) | undefined
    let close = async () => {}
    beforeAll(async () => {
      const opened = await openFixture(backend)
      close = opened.close
      value = { ...(await seed(opened.fixture)), fixture: opened.fixture }
    })
    afterAll(() => close())
    return () => {
      if (value === undefined) throw new Error('the seeded store is read only inside a test')
      return value
    }
  }
  const reason = (capability: Capability) => backend.cannot?.[capability]
  return {
    backend,
    fresh,
    seeded,
    can: (capability) => reason(capability) === undefined,
    unless: (capability) => {
      const why = reason(capability)
      return why === undefined ? '' : ` (${backend.name} cannot ${capability}: ${why})`
    },
  }
}

/** Polls `read` until `isDone` holds of its value or `withinMs` passes; the last value read. */
export async function eventually<T>(read: () => Promise<T>, isDone: (value: T) => boolean, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const value = await read()
    if (isDone(value) || Date.now() >= deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
