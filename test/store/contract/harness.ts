// Per-test fixtures of the store contract: a fresh underlying store, a clock the test sets, more store objects on
// the same underlying store, and the clean-up of all of them.
import { afterEach } from 'vitest'
import type { Store } from '../../../src/store/store.js'
import type { AuditTamper, Capability, StoreBackend, StoreLocation } from './backend.js'

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
  can: (capability: Capability) => boolean
  /** For a test's name: what the backend said it cannot do, or nothing. */
  unless: (capability: Capability) => string
}

/** The contract's fixtures for `backend`; call inside the suite's describe, so that every test cleans up after itself. */
export function useContract(backend: StoreBackend): Contract {
  const opened: { location: StoreLocation; stores: Store[] }[] = []
  afterEach(async () => {
    for (const { location, stores } of opened.splice(0)) {
      for (const store of stores) await store.close()
      await location.destroy()
    }
  })
  const fresh = async (): Promise<Fixture> => {
    const location = await backend.create()
    const entry = { location, stores: [] as Store[] }
    opened.push(entry)
    const clock = manualClock()
    const another = async () => {
      const store = await location.open({ clock: clock.now })
      entry.stores.push(store)
      return store
    }
    return { store: await another(), clock, another, tamper: location.tamper }
  }
  const reason = (capability: Capability) => backend.cannot?.[capability]
  return {
    backend,
    fresh,
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
