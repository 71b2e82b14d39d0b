// Where the documents a chain passes through were declared, for links from a step to its file and to its page.
import type { Step } from '../engine/types.js'
import type { DesiredState, DocRef } from '../model/state.js'

/** A document a step names: its kind and name, where it was declared, and the explorer page that shows it. */
export type Declaration = { kind: string; name: string; at: DocRef | undefined; href: string | undefined }

export function declarationOf(state: DesiredState | undefined, step: Step): Declaration | undefined {
  switch (step.kind) {
    case 'group':
      return { kind: 'Group', name: step.name, at: state?.groups.get(step.name)?.at, href: `/groups/${encodeURIComponent(step.name)}` }
    case 'role':
      return { kind: 'Role', name: step.name, at: state?.roles.get(step.name)?.at, href: undefined }
    case 'grant':
      return { kind: 'Grant', name: step.name, at: state?.grants.get(step.name)?.at, href: undefined }
    case 'service-role':
    case 'service-team':
      return { kind: 'Service', name: step.service, at: state?.services.get(step.service)?.at, href: `/services/${encodeURIComponent(step.service)}` }
    case 'idp-group':
    case 'local-member':
    case 'break-glass':
      return undefined
    default: {
      const unreachable: never = step
      return unreachable
    }
  }
}
