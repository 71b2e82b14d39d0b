// Access atoms: one permission, or one action of a grant in one environment. atomsOfKey reads them back from any
// holding or delta key exactly as accessAtoms gives them, which the plan/apply property test relies on.
import { describe, expect, it } from 'vitest'
import { accessAtoms, atomAction, atomCountOfKey, atomEnv, atomsOfKey, grantKey, permissionKey } from '../../src/engine/effective.js'
import type { GrantRuleHeld, Holding } from '../../src/engine/types.js'

function holding(grant: GrantRuleHeld): Holding {
  return { type: 'grant', grant, key: grantKey(grant), risk: 'low', chain: [] }
}

const resource = { type: 'journey', service: 'checkout', name: '{login,diagnostic-*}' }

describe('access atoms', () => {
  it('gives one atom per action and environment, and one per action for a grant that reaches every environment', () => {
    expect(accessAtoms(holding({ actions: ['edit', 'run'], resource, env: ['production', 'staging'], tags: ['pci'] }))).toEqual([
      'grant edit journey:checkout/{login,diagnostic-*} env=production tags=pci',
      'grant edit journey:checkout/{login,diagnostic-*} env=staging tags=pci',
      'grant run journey:checkout/{login,diagnostic-*} env=production tags=pci',
      'grant run journey:checkout/{login,diagnostic-*} env=staging tags=pci',
    ])
    expect(accessAtoms(holding({ actions: ['edit', 'run'], resource }))).toEqual(['grant edit journey:checkout/{login,diagnostic-*}', 'grant run journey:checkout/{login,diagnostic-*}'])
    // Limited to no environment at all, a rule gives nothing.
    expect(accessAtoms(holding({ actions: ['run'], resource, env: [] }))).toEqual([])
    expect(accessAtoms({ type: 'permission', permission: 'sso:manage', key: permissionKey('sso:manage'), risk: 'critical', chain: [] })).toEqual(['permission sso:manage'])
  })

  it.each<GrantRuleHeld>([
    { actions: ['edit', 'run'], resource, env: ['production', 'staging'], tags: ['pci', 'x env=y'] },
    { actions: ['*'], resource, env: ['development'] },
    { actions: ['edit', 'run'], resource, tags: ['pci'] },
    { actions: ['run'], resource: { type: 'journey', service: '*', name: 'a env=b' } },
    { actions: ['run'], resource, env: [] },
  ])('reads the atoms of a key back as accessAtoms gives them (%j)', (grant) => {
    const held = holding(grant)
    expect(atomsOfKey(held.key)).toEqual(accessAtoms(held))
    expect(atomCountOfKey(held.key)).toBe(accessAtoms(held).length)
    // Atom i is action atomAction(grant, i) in environment atomEnv(grant, i).
    accessAtoms(held).forEach((atom, i) => {
      const env = atomEnv(grant, i)
      expect(atom).toBe(grantKey({ ...grant, actions: [atomAction(grant, i)], ...(env === undefined ? {} : { env: [env] }) }))
    })
  })
})
