import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const schemaDir = join(root, 'schemas')
const schemas = readdirSync(schemaDir)
  .filter((name) => name.endsWith('.schema.json'))
  .sort()
  .map((name) => ({ name, schema: JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as Record<string, unknown> }))

type Problem = string

/** Every object schema closes its properties, and every property says what it is (for editors). */
function audit(node: unknown, path: string, problems: Problem[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => audit(item, `${path}/${index}`, problems))
    return
  }
  if (node === null || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  if (schema.type === 'object' && schema.properties !== undefined && schema.additionalProperties !== false) {
    problems.push(`${path}: object without additionalProperties: false`)
  }
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
  for (const [key, property] of Object.entries(properties)) {
    if (typeof property.description !== 'string' && typeof property.$ref !== 'string') problems.push(`${path}/properties/${key}: no description`)
  }
  for (const [key, value] of Object.entries(schema)) audit(value, `${path}/${key}`, problems)
}

describe('schemas/', () => {
  it.each(schemas)('$name is draft 2020-12 and has an id', ({ schema }) => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toMatch(/^https:\/\/rolecall\.dev\/schemas\/[a-z-]+\.schema\.json$/)
  })

  // access.schema.json only dispatches on `kind` to the kind schemas, which close their objects.
  const kindSchemas = schemas.filter(({ name }) => name !== 'access.schema.json')
  it.each(kindSchemas)('$name closes every object and describes every property', ({ name, schema }) => {
    const problems: Problem[] = []
    audit(schema, name, problems)
    expect(problems).toEqual([])
  })

  it('the generated types in src/schema/generated are up to date', async () => {
    const run = promisify(execFile)
    const result = await run(process.execPath, [join(root, 'scripts', 'gen-types.mjs'), '--check'], { cwd: root }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? 1, stderr: error.stderr ?? '' }),
    )
    expect(result).toEqual({ code: 0, stderr: '' })
  })
})
