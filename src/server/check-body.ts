// The body of a check request → an AccessQuestion, or the reason it is not one.
import type { AccessQuestion } from '../engine/check.js'
import { didYouMean } from '../diag/suggest.js'
import { isGlob } from '../model/resource.js'
import { parseTimestamp } from '../model/time.js'

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

const knownFields = new Set(['user', 'connection', 'action', 'resource', 'env', 'tags', 'permission', 'authMethod', 'at', 'provenance', 'atLeast'])

/** Other spellings of a field that people send, for the did-you-mean (`environment` → `env`). */
const fieldSpellings: Record<string, string> = { environment: 'env', tag: 'tags', authmethod: 'authMethod', auth_method: 'authMethod', 'auth-method': 'authMethod', username: 'user', userName: 'user' }

/** The field `given` most likely means, or undefined. */
function meantField(given: string): string | undefined {
  const match = didYouMean(given, [...knownFields, ...Object.keys(fieldSpellings)]) ?? (given in fieldSpellings ? given : undefined)
  return match === undefined ? undefined : (fieldSpellings[match] ?? match)
}

function unknownFields(record: Record<string, unknown>): string {
  const unknown = Object.keys(record)
    .filter((key) => !knownFields.has(key))
    .map((key) => {
      const meant = meantField(key)
      return meant === undefined ? key : `${key} (did you mean ${meant}?)`
    })
  return `unknown field${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`
}

/**
 * Validate a check request body into a question, or say what is wrong. Called on every check: the question is
 * built field by field, not spread from partial objects (each spread copies its properties one by one).
 */
export function parseCheckBody(body: unknown, now: Date): AccessQuestion | { error: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'the body must be a JSON object' }
  const record = body as Record<string, unknown>
  for (const key in record) if (!knownFields.has(key)) return { error: unknownFields(record) }
  const user = stringField(record, 'user')
  if (user === undefined) return { error: '`user` (a userName) is required' }
  const connection = stringField(record, 'connection')
  if (record.connection !== undefined && connection === undefined) return { error: '`connection` (the connection the user signed in through) must be a non-empty string' }
  const authMethod = stringField(record, 'authMethod')
  if (record.authMethod !== undefined && authMethod === undefined) return { error: '`authMethod` must be a string' }
  let at = now
  if (record.at !== undefined) {
    // As ROLECALL_NOW and the access files read times: a date-time needs its offset, so that the answer does not
    // depend on the server's time zone, and 2026-02-30 is no date.
    const parsed = typeof record.at === 'string' ? parseTimestamp(record.at) : undefined
    if (parsed === undefined) return { error: '`at` must be an RFC 3339 time with its offset (2026-06-01T12:00:00Z), or a date' }
    at = parsed
  }
  const question: { user: string; connection?: string; at: Date; authMethod?: string; permission?: string; action?: string; resource?: string; env?: string; tags?: string[] } = { user, at }
  if (connection !== undefined) question.connection = connection
  if (authMethod !== undefined) question.authMethod = authMethod
  for (const name of ['permission', 'action', 'resource'] as const) {
    if (record[name] !== undefined && stringField(record, name) === undefined) return { error: `\`${name}\` must be a non-empty string` }
  }
  const permission = stringField(record, 'permission')
  if (permission !== undefined) {
    if (record.action !== undefined || record.resource !== undefined || record.env !== undefined || record.tags !== undefined) {
      return { error: 'ask for a `permission`, or an `action` on a `resource` (with `env` and `tags`), not both' }
    }
    question.permission = permission
    return question as AccessQuestion
  }
  const action = stringField(record, 'action')
  const resource = stringField(record, 'resource')
  if (action === undefined || resource === undefined) return { error: '`action` and `resource` (type:service/name) are required, or `permission`' }
  // A check is about one concrete resource: a pattern would answer for resources the application never named.
  if (resource.split(/[:/]/).some(isGlob)) return { error: `\`resource\` must name one resource, type:service/name, without glob characters (got "${resource}"); to ask who may act on many, use who-can` }
  question.action = action
  question.resource = resource
  const env = stringField(record, 'env')
  if (record.env !== undefined && env === undefined) return { error: '`env` must be a string' }
  if (env !== undefined) question.env = env
  const tags = record.tags
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))) return { error: '`tags` must be a list of strings' }
  if (tags !== undefined) question.tags = tags as string[]
  return question as AccessQuestion
}

/** What a check asks beside the question: where the answer comes from (`provenance`), and the store revision it must reflect (`atLeast`). */
export type CheckOptions = { provenance: boolean; atLeast?: number }

/** The body's `provenance` and `atLeast`, or what is wrong with them (the body is an object parseCheckBody accepted). */
export function parseCheckOptions(body: Record<string, unknown>): CheckOptions | { error: string } {
  const { provenance, atLeast } = body
  if (provenance !== undefined && typeof provenance !== 'boolean') return { error: '`provenance` must be true or false' }
  if (atLeast !== undefined && (typeof atLeast !== 'number' || !Number.isSafeInteger(atLeast) || atLeast < 0)) return { error: '`atLeast` must be a store revision: a whole number, 0 or more' }
  return { provenance: provenance === true, ...(atLeast === undefined ? {} : { atLeast }) }
}
