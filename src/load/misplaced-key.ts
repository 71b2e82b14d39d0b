// A key indented at the wrong level: unknown where it is, valid one level deeper (under a sibling mapping) or one
// level shallower (beside its parent). Found by trying the move and validating again, so that the fix it names works.
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js'
import { pointerToPath } from './document.js'
import type { DocPath } from './yaml.js'

/** `key` moves from the mapping at `from` to the mapping at `to`: `to` is one level deeper (indent) or shallower (outdent). */
export type KeyMove = { key: string; from: DocPath; to: DocPath; direction: 'indent' | 'outdent' }

type Mapping = Record<string, unknown>

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function at(value: unknown, path: DocPath): unknown {
  let current = value
  for (const segment of path) current = isMapping(current) || Array.isArray(current) ? (current as Record<string | number, unknown>)[segment] : undefined
  return current
}

/** A copy of `value` with `key` moved from the mapping at `from` to the one at `to`, or undefined when `to` has it already. */
function moved(value: unknown, move: KeyMove): unknown {
  const copy = structuredClone(value)
  const source = at(copy, move.from)
  const target = at(copy, move.to)
  if (!isMapping(source) || !isMapping(target) || move.key in target) return undefined
  target[move.key] = source[move.key]
  delete source[move.key]
  return copy
}

function errorsOf(validate: ValidateFunction, value: unknown): ErrorObject[] {
  return validate(value) ? [] : [...(validate.errors ?? [])]
}

/** The moves worth trying for an unknown `key` in the mapping at `from`: into each sibling mapping, then beside `from`. */
function candidates(value: unknown, from: DocPath, key: string): KeyMove[] {
  const mapping = at(value, from)
  if (!isMapping(mapping)) return []
  const deeper = Object.keys(mapping)
    .filter((child) => child !== key && isMapping(mapping[child]))
    .map((child): KeyMove => ({ key, from, to: [...from, child], direction: 'indent' }))
  const parent = from.slice(0, -1)
  const shallower: KeyMove[] = from.length > 0 && typeof from[from.length - 1] === 'string' && isMapping(at(value, parent)) ? [{ key, from, to: parent, direction: 'outdent' }] : []
  return [...deeper, ...shallower]
}

/**
 * The misplaced keys of `value` (at most `limit`), each move one that removes errors and leaves none about the key,
 * and the errors that are left once they are moved.
 */
export function findMisplacedKeys(validate: ValidateFunction, value: unknown, limit = 10): { moves: KeyMove[]; errors: ErrorObject[] } {
  const moves: KeyMove[] = []
  let current = value
  let errors = errorsOf(validate, current)
  while (moves.length < limit) {
    let next: { move: KeyMove; value: unknown; errors: ErrorObject[] } | undefined
    for (const error of errors.filter((candidate) => candidate.keyword === 'additionalProperties')) {
      const key = String((error.params as { additionalProperty?: unknown }).additionalProperty)
      for (const move of candidates(current, pointerToPath(error.instancePath), key)) {
        const trial = moved(current, move)
        if (trial === undefined) continue
        const after = errorsOf(validate, trial)
        const isAboutKey = after.some((left) => left.keyword === 'additionalProperties' && (left.params as { additionalProperty?: unknown }).additionalProperty === key)
        if (after.length < errors.length && !isAboutKey) {
          next = { move, value: trial, errors: after }
          break
        }
      }
      if (next !== undefined) break
    }
    if (next === undefined) break
    moves.push(next.move)
    current = next.value
    errors = next.errors
  }
  return { moves, errors }
}
