// How the atoms gained (or lost) on one target through the same chains split into deltas that each name exactly
// what moved: every action of a delta in every environment of the delta, no more.
import type { Holding } from '../engine/types.js'

/** One atom of a holding: a permission (no action), or one action of a grant in one environment (or in all: env undefined). */
export type Atom = { holding: Holding; action: string | undefined; env: string | undefined }

/**
 * Splits the atoms of one target into parts that each name exactly what they hold: every action of a part in every
 * environment of the part. Actions reached in the same environments share a part (`[edit, view] X in development`);
 * atoms of a grant that reaches every environment form a part of their own. Most calls have one action in one
 * environment and return the atoms as they are.
 */
export function exactParts(atoms: Atom[]): Atom[][] {
  const first = atoms[0] as Atom
  let isOneAtom = true
  for (let i = 1; i < atoms.length && isOneAtom; i++) isOneAtom = (atoms[i] as Atom).action === first.action && (atoms[i] as Atom).env === first.env
  if (isOneAtom) return [atoms]
  // The environments each action is reached in (by name; a grant reaching every environment is apart).
  const envsOf = new Map<string, Set<string>>()
  for (const { action, env } of atoms) {
    if (env === undefined) continue
    const envs = envsOf.get(action as string)
    if (envs === undefined) envsOf.set(action as string, new Set([env]))
    else envs.add(env)
  }
  const partOfAction = new Map<string, Atom[]>()
  const bySignature = new Map<string, Atom[]>()
  const parts: Atom[][] = []
  for (const [action, envs] of envsOf) {
    const signature = [...envs].sort().join('\u0000')
    let part = bySignature.get(signature)
    if (part === undefined) {
      part = []
      bySignature.set(signature, part)
      parts.push(part)
    }
    partOfAction.set(action, part)
  }
  let everywhere: Atom[] | undefined
  for (const atom of atoms) {
    if (atom.env === undefined) (everywhere ??= []).push(atom)
    else partOfAction.get(atom.action as string)?.push(atom)
  }
  if (everywhere !== undefined) parts.unshift(everywhere)
  return parts
}

/** The distinct actions and environments of a part (sorted); environments undefined when it reaches every one. */
export function partNames(part: readonly Atom[]): { actions: string[]; envs: string[] | undefined } {
  const first = part[0] as Atom
  if (part.length === 1 || part.every((atom) => atom.action === first.action && atom.env === first.env)) {
    return { actions: [first.action as string], envs: first.env === undefined ? undefined : [first.env] }
  }
  const actions = [...new Set(part.map((atom) => atom.action as string))].sort()
  if (first.env === undefined) return { actions, envs: undefined }
  return { actions, envs: [...new Set(part.map((atom) => atom.env as string))].sort() }
}
