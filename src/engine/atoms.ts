// Atoms: what a holding gives, one action in one environment at a time, and the atoms a key names.
import { grantKey } from './keys.js'
import type { GrantRuleHeld, Holding } from './types.js'

const atomsOfHolding = new WeakMap<Holding, readonly string[]>()

/**
 * What a holding gives, one atom at a time. An atom is one action in one environment: `grant edit X env=staging`
 * for each action and each environment of a rule; a rule without `env` reaches every environment and gives one atom
 * per action, `grant edit X` (so narrowing it to a list loses that atom and gains the listed ones). A rule limited to
 * no environment at all gives nothing. Atoms are in action-major order: atom `i` is action `atomAction(grant, i)`
 * in environment `atomEnv(grant, i)`. Holdings are shared by many users and read-only, so each one's atoms are
 * computed once (do not modify the list).
 */
export function accessAtoms(holding: Holding): readonly string[] {
  if (holding.type === 'permission') return [holding.key]
  let atoms = atomsOfHolding.get(holding)
  if (atoms === undefined) {
    const { grant } = holding
    const list: string[] = []
    for (const action of grant.actions) {
      if (grant.env === undefined) list.push(grantKey({ ...grant, actions: [action] }))
      else for (const env of grant.env) list.push(grantKey({ ...grant, actions: [action], env: [env] }))
    }
    atoms = list
    atomsOfHolding.set(holding, atoms)
  }
  return atoms
}

/** The action of a grant's atom `index` (see accessAtoms). */
export function atomAction(grant: GrantRuleHeld, index: number): string {
  const envCount = grant.env === undefined ? 1 : grant.env.length
  return grant.actions[Math.floor(index / envCount)] as string
}

/** The environment of a grant's atom `index` (see accessAtoms); undefined for a grant that reaches every environment. */
export function atomEnv(grant: GrantRuleHeld, index: number): string | undefined {
  return grant.env === undefined ? undefined : grant.env[index % grant.env.length]
}

/**
 * Where a grant key's environments are: ` env=a,b` after the resource, before ` tags=` or the end. Environments are
 * identifiers (defs.schema.json), which tells them from a resource name or tag that happens to contain ` env=`.
 */
const envPart = / env=((?:[a-z][a-z0-9._:-]*)(?:,[a-z][a-z0-9._:-]*)*)?(?= tags=|$)/

/** A grant key's actions, the text around its environments, and its environments (undefined: every environment). */
function splitGrantKey(key: string): { actions: string[]; head: string; tail: string; envs: string[] | undefined } {
  const rest = key.slice('grant '.length)
  const space = rest.indexOf(' ')
  const actions = rest.slice(0, space).split(',')
  const target = rest.slice(space)
  const match = envPart.exec(target)
  if (match === null) return { actions, head: target, tail: '', envs: undefined }
  const envs = match[1] === undefined ? [] : match[1].split(',')
  return { actions, head: target.slice(0, match.index), tail: target.slice(match.index + match[0].length), envs }
}

/**
 * The atoms of a holding or delta key, as accessAtoms gives them: `grant edit,read X env=dev,staging` → `grant edit X
 * env=dev`, `grant edit X env=staging`, `grant read X env=dev`, `grant read X env=staging`.
 */
export function atomsOfKey(key: string): string[] {
  if (!key.startsWith('grant ')) return [key]
  const { actions, head, tail, envs } = splitGrantKey(key)
  if (envs === undefined) return actions.map((action) => `grant ${action}${head}${tail}`)
  return actions.flatMap((action) => envs.map((env) => `grant ${action}${head} env=${env}${tail}`))
}

/**
 * The atom of the same action and target in every environment, for an atom limited to one environment: `grant
 * edit X env=staging` → `grant edit X`; undefined for any other key. Whoever holds the second holds the first.
 */
export function atomInEveryEnvironment(atom: string): string | undefined {
  if (!atom.startsWith('grant ')) return undefined
  const { actions, head, tail, envs } = splitGrantKey(atom)
  if (envs === undefined || envs.length !== 1 || actions.length !== 1) return undefined
  return `grant ${actions[0] ?? ''}${head}${tail}`
}

/** How many atoms a holding or delta key names: `atomsOfKey(key).length`, without writing them. */
export function atomCountOfKey(key: string): number {
  if (!key.startsWith('grant ')) return 1
  const { actions, envs } = splitGrantKey(key)
  return actions.length * (envs === undefined ? 1 : envs.length)
}
