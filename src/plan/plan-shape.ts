// Checks that a value is a Plan (schemas/plan.schema.json) before apply trusts it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { schemaDir } from '../load/schema-check.js'
import type { Plan } from '../schema/generated/plan.js'

let validate: ValidateFunction | undefined

function validator(): ValidateFunction {
  if (validate !== undefined) return validate
  const ajv = new Ajv2020({ strict: false })
  for (const name of ['defs.schema.json', 'plan.schema.json']) ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as object)
  const compiled = ajv.getSchema('https://rolecall.dev/schemas/plan.schema.json')
  if (compiled === undefined) throw new Error('plan schema missing')
  validate = compiled
  return compiled
}

/** The value as a Plan, or the first reason it is not one. */
export function asPlan(value: unknown): { plan: Plan } | { error: string } {
  const check = validator()
  if (check(value)) return { plan: value as Plan }
  const first = check.errors?.[0]
  return { error: first === undefined ? 'not a plan' : `${first.instancePath || '/'} ${first.message ?? 'is invalid'}` }
}
