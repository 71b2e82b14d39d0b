// The edge of a backend: its driver's errors become the store contract's own (src/errors.ts) before anyone sees them.

/**
 * `store` behind a boundary: every method of its class (up the prototype chain) fails with `map(error)`, whether
 * it threw or its promise rejected. Errors that are already the contract's pass through `map` unchanged: `map` only
 * translates what its driver raised. The store's own calls to itself stay inside the boundary and see the driver's
 * errors (a backend may handle some).
 */
export function withErrorBoundary<T extends object>(store: T, map: (error: unknown) => unknown): T {
  const target = Object.create(store) as Record<string, unknown>
  for (let proto = Object.getPrototypeOf(store) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || Object.prototype.hasOwnProperty.call(target, name)) continue
      const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown
      if (typeof method !== 'function') continue
      target[name] = (...args: unknown[]) => {
        try {
          const result = (method as (...params: unknown[]) => unknown).apply(store, args)
          if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(map(error)))
          return isAsyncIterable(result) ? mappedIterable(result, map) : result
        } catch (error) {
          throw map(error)
        }
      }
    }
  }
  return target as T
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}

/** `iterable`, its failures mapped; stopping early stops it (its clean-up runs). */
async function* mappedIterable<T>(iterable: AsyncIterable<T>, map: (error: unknown) => unknown): AsyncGenerator<T> {
  try {
    yield* iterable
  } catch (error) {
    throw map(error)
  }
}
