// The body of a check request → an AccessQuestion, or the reason it is not one.
import type { AccessQuestion } from '../engine/check.js'

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const knownFields = new Set(['user', 'action', 'resource', 'env', 'tags', 'permission', 'authMethod', 'at'])

/** Validate a check request body into a question, or say what is wrong. */
export function parseCheckBody(body: unknown, now: Date): AccessQuestion | { error: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'the body must be a JSON object' }
  const record = body as Record<string, unknown>
  let unknown: string[] = []
  for (const key in record) if (!knownFields.has(key)) unknown = [...unknown, key]
  if (unknown.length > 0) return { error: `unknown field${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}` }
  const user = stringField(record, 'user')
  if (user === undefined) return { error: '`user` (a userName) is required' }
  const authMethod = stringField(record, 'authMethod')
  if (record.authMethod !== undefined && authMethod === undefined) return { error: '`authMethod` must be a string' }
  let at = now
  if (record.at !== undefined) {
    if (typeof record.at !== 'string' || Number.isNaN(Date.parse(record.at))) return { error: '`at` must be an RFC 3339 time' }
    at = new Date(record.at)
  }
  const base = { user, at, ...(authMethod === undefined ? {} : { authMethod }) }
  const permission = stringField(record, 'permission')
  if (permission !== undefined) {
    if (record.action !== undefined || record.resource !== undefined) return { error: 'ask for a `permission`, or an `action` on a `resource`, not both' }
    return { ...base, permission }
  }
  const action = stringField(record, 'action')
  const resource = stringField(record, 'resource')
  if (action === undefined || resource === undefined) return { error: '`action` and `resource` (type:service/name) are required, or `permission`' }
  const env = stringField(record, 'env')
  if (record.env !== undefined && env === undefined) return { error: '`env` must be a string' }
  const tags = record.tags
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))) return { error: '`tags` must be a list of strings' }
  return { ...base, action, resource, ...(env === undefined ? {} : { env }), ...(tags === undefined ? {} : { tags: tags as string[] }) }
}
