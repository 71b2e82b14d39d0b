// POST /.search bodies (RFC 7644 §3.4.3) as list parameters.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import type { ListParams } from './http.js'

function text(value: JsonValue | undefined, name: string): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') {
    // Integers spelt out in digits, as a query string carries them: String(1e21) is "1e+21", which list parameters
    // would refuse as not an integer. JSON.parse makes a literal past ~1.8e308 Infinity: an integer too, clamped
    // (listQuery clamps every integer beyond ±MAX_SAFE_INTEGER the same way).
    if (Number.isInteger(value)) return BigInt(value).toString()
    if (value === Infinity || value === -Infinity) return String(Math.sign(value) * Number.MAX_SAFE_INTEGER)
    return String(value)
  }
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
