// POST /.search bodies (RFC 7644 §3.4.3) as list parameters.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import type { ListParams } from './http.js'

function text(value: JsonValue | undefined, name: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',')
  throw new ScimError(400, 'invalidValue', `${name} has the wrong type`)
}

export function searchParams(body: JsonObject): { params: ListParams; attributes?: string; excludedAttributes?: string } {
  const field = (name: string) => {
    const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === name.toLowerCase())
    return key === undefined ? undefined : text(body[key], name)
  }
  const params: ListParams = {}
  for (const name of ['filter', 'startIndex', 'count', 'sortBy', 'sortOrder'] as const) {
    const value = field(name)
    if (value !== undefined) params[name] = value
  }
  const attributes = field('attributes')
  const excludedAttributes = field('excludedAttributes')
  return { params, ...(attributes === undefined ? {} : { attributes }), ...(excludedAttributes === undefined ? {} : { excludedAttributes }) }
}
