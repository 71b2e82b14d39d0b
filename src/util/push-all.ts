// Appending a list of any length. `target.push(...items)` passes every item as an argument, and a list of some
// 100,000 items (one per element of a long YAML list) overflows the call stack.

/** Append every item of `items` to `target`, one at a time. */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item)
}
