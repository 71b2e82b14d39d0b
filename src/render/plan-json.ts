// Plan → JSON (schemas/plan.schema.json). Key order is fixed by construction, so the bytes are deterministic.
import type { Plan } from '../schema/generated/plan.js'

export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`
}
