// Schema validation (ajv, JSON Schema 2020-12) of each document by kind; errors placed on the offending node.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { didYouMean, suggestion } from '../diag/suggest.js'
import { formatPath, kinds, pointerToPath, type Kind, type LocatedDiagnostic, type SourceDocument } from './document.js'
import { findMisplacedKeys, type KeyMove } from './misplaced-key.js'
import type { DocPath } from './yaml.js'

/** The published JSON Schemas, shipped beside dist/ and src/. */
export const schemaDir = fileURLToPath(new URL('../../schemas/', import.meta.url))

const schemaFileOfKind: Record<Kind, string> = {
  Organization: 'organization.schema.json',
  Catalog: 'catalog.schema.json',
  Role: 'role.schema.json',
  Service: 'service.schema.json',
  Group: 'group.schema.json',
  Grant: 'grant.schema.json',
  Policy: 'policy.schema.json',
  AccessTest: 'access-test.schema.json',
  Review: 'review.schema.json',
}

let validators: Map<Kind, ValidateFunction> | undefined

function loadValidators(): Map<Kind, ValidateFunction> {
  if (validators !== undefined) return validators
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, allowUnionTypes: true })
  for (const file of readdirSync(schemaDir)
    .filter((name) => name.endsWith('.schema.json'))
    .sort()) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object)
  }
  validators = new Map(
    kinds.map((kind) => {
      const validate = ajv.getSchema(`https://rolecall.dev/schemas/${schemaFileOfKind[kind]}`)
      if (validate === undefined) throw new Error(`schema for ${kind} is missing from ${schemaDir}`)
      return [kind, validate]
    }),
  )
  return validators
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The kind of a document, or a diagnostic saying why it has none; `meant` is the kind a misspelt one is close to,
 * so the document's name still counts as declared.
 */
export function documentKind(document: SourceDocument): { kind: Kind } | { diagnostic: LocatedDiagnostic; meant?: Kind } {
  const at = { file: document.file, index: document.index }
  if (!isRecord(document.value)) {
    return {
      diagnostic: { severity: 'error', code: 'schema', summary: 'A document must be a mapping with a `kind` (one of ' + kinds.join(', ') + ').', at: { ...at, path: [] } },
    }
  }
  const kind = document.value.kind
  if (kind === undefined) {
    return {
      diagnostic: { severity: 'error', code: 'missing-kind', summary: 'Document has no `kind`; add one of ' + kinds.join(', ') + '.', at: { ...at, path: [] } },
    }
  }
  if (typeof kind !== 'string' || !(kinds as readonly string[]).includes(kind)) {
    const given = String(kind)
    const close = didYouMean(given, kinds)
    return {
      meant: kinds.find((candidate) => candidate === close),
      diagnostic: {
        severity: 'error',
        code: 'unknown-kind',
        summary: `Unknown kind "${given}"${suggestion(given, kinds)}`,
        detail: `Kinds are ${kinds.join(', ')}.`,
        at: { ...at, path: ['kind'] },
      },
    }
  }
  return { kind: kind as Kind }
}

function describe(path: DocPath): string {
  return path.length === 0 ? 'The document' : `\`${formatPath(path)}\``
}

function schemaTitle(error: ErrorObject): string | undefined {
  const schema = error.parentSchema as { title?: string; description?: string } | undefined
  return schema?.description
}

/** One message per ajv error, with did-you-mean for unknown keys and enum values. */
function toDiagnostic(document: SourceDocument, error: ErrorObject): LocatedDiagnostic {
  const path = pointerToPath(error.instancePath)
  const at = { file: document.file, index: document.index, path }
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const known = knownKeys(error)
      const where = path.length === 0 ? '' : ` in \`${formatPath(path)}\``
      return {
        severity: 'error',
        code: 'unknown-key',
        summary: `Unknown key \`${key}\`${where}${suggestion(key, known, '`')}`,
        detail: known.length > 0 ? `Allowed keys: ${known.join(', ')}.` : undefined,
        at: { ...at, path: [...path, key], onKey: true },
      }
    }
    case 'required':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} is missing the required key \`${String(params.missingProperty)}\`.`, at }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String)
      const given = String(error.data)
      return { severity: 'error', code: 'schema', summary: `${describe(path)} must be one of ${allowed.join(', ')} (got "${given}")${suggestion(given, allowed)}`, at }
    }
    case 'const':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} must be "${String(params.allowedValue)}".`, at }
    case 'type':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} must be ${article(String(params.type))} (got ${typeName(error.data)}).`, at }
    case 'pattern':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} is not valid: "${String(error.data)}". ${schemaTitle(error) ?? ''}`.trim(), at }
    case 'minProperties':
    case 'maxProperties':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} ${keyCount(error.keyword, Number(params.limit), error.data)} ${schemaTitle(error) ?? ''}`.trim(), at }
    case 'oneOf':
    case 'anyOf':
      return { severity: 'error', code: 'schema', summary: `${describe(path)} is not valid. ${schemaTitle(error) ?? ''}`.trim(), at }
    default:
      return { severity: 'error', code: 'schema', summary: `${describe(path)} ${error.message ?? 'is not valid'}.`, at }
  }
}

/** `has 3 keys (a, b, c); it may have at most 2.` */
function keyCount(keyword: string, limit: number, data: unknown): string {
  const keys = data !== null && typeof data === 'object' ? Object.keys(data) : []
  const bound = keyword === 'minProperties' ? 'it needs at least' : 'it may have at most'
  const listed = keys.length === 0 ? '' : ` (${keys.join(', ')})`
  return `has ${keys.length} ${keys.length === 1 ? 'key' : 'keys'}${listed}; ${bound} ${limit}.`
}

function article(type: string): string {
  const words = type.split(',').map((word) => (word === 'array' ? 'a list' : word === 'object' ? 'a mapping' : word === 'integer' ? 'an integer' : `a ${word}`))
  return words.join(' or ')
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}

/** Ajv reports every failed branch of a oneOf; keep the oneOf itself and drop what it explains. */
function prune(errors: ErrorObject[]): ErrorObject[] {
  const unionPaths = errors.filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf').map((error) => error.schemaPath.replace(/\/(oneOf|anyOf)$/, ''))
  return errors.filter((error) => {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') return true
    return !unionPaths.some((prefix) => error.schemaPath.startsWith(`${prefix}/oneOf/`) || error.schemaPath.startsWith(`${prefix}/anyOf/`))
  })
}

/** The keys an object's schema declares, for did-you-mean. */
function knownKeys(error: ErrorObject): string[] {
  return Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {})
}

function misplacedKeyDiagnostic(document: SourceDocument, move: KeyMove): LocatedDiagnostic {
  const target = move.to.length === 0 ? 'at the top level of the document' : `under \`${formatPath(move.to)}\``
  return {
    severity: 'error',
    code: 'misplaced-key',
    summary: `\`${move.key}\` belongs ${target} (${move.direction} it)`,
    at: { file: document.file, index: document.index, path: [...move.from, move.key], onKey: true },
  }
}

/** A missing required key that an unknown sibling key misspells (`riks` for `risk`) is said once, by the unknown-key error. */
function dropMisspeltRequired(errors: ErrorObject[]): ErrorObject[] {
  const misspelt = new Set<string>()
  for (const error of errors) {
    if (error.keyword !== 'additionalProperties') continue
    const meant = didYouMean(String(error.params.additionalProperty), knownKeys(error))
    if (meant !== undefined) misspelt.add(`${error.instancePath}/${meant}`)
  }
  return errors.filter((error) => error.keyword !== 'required' || !misspelt.has(`${error.instancePath}/${String(error.params.missingProperty)}`))
}

/**
 * Validate one document against its kind's schema. `usable` is true when the model can read the document
 * despite the diagnostics: every problem is an unknown key, which the model ignores.
 */
export function checkSchema(document: SourceDocument, kind: Kind): { diagnostics: LocatedDiagnostic[]; usable: boolean } {
  const validate = loadValidators().get(kind)
  if (validate === undefined || validate(document.value)) return { diagnostics: [], usable: true }
  const errors = [...(validate.errors ?? [])]
  // A key at the wrong level gives errors at both levels; said once, as the fix, when moving it removes them.
  const misplaced = errors.some((error) => error.keyword === 'additionalProperties') ? findMisplacedKeys(validate, document.value) : undefined
  if (misplaced !== undefined && misplaced.moves.length > 0) {
    return {
      diagnostics: [...misplaced.moves.map((move) => misplacedKeyDiagnostic(document, move)), ...dropMisspeltRequired(prune(misplaced.errors)).map((error) => toDiagnostic(document, error))],
      usable: false,
    }
  }
  return {
    diagnostics: dropMisspeltRequired(prune(errors)).map((error) => toDiagnostic(document, error)),
    usable: errors.every((error) => error.keyword === 'additionalProperties'),
  }
}
