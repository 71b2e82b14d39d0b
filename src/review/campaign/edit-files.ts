// Revocations as edits of the access files, keeping their comments and layout: a listed member removed from a
// Group, a Grant document deleted, or an IdP member added to a Group's `exclude` with the review as the reason.
import { isScalar, isSeq, parseAllDocuments, type Document } from 'yaml'
import type { Removal } from './record.js'

export type FileEdit = { file: string; text: string | undefined; summaries: string[] }

function isEmptyDocument(document: Document): boolean {
  const root = document.contents
  return root === null || (isScalar(root) && root.value === null)
}

/** The non-empty document of `kind` and `name` in the file (numbered as the loader numbers them). */
function findDocument(documents: Document[], kind: string, name: string): Document | undefined {
  return documents.filter((document) => !isEmptyDocument(document)).find((document) => document.get('kind') === kind && String(document.get('name')) === name)
}

/**
 * Apply the removals to the files' texts (by the file names the removals give). Returns the new text of each file
 * changed (undefined: every document of it was removed) and what was done in it. Removals outside the files
 * (break-glass) are skipped.
 */
export function editAccessFiles(texts: ReadonlyMap<string, string>, removals: readonly Removal[], reviewId: string): { edits: FileEdit[]; problems: string[] } {
  const parsed = new Map<string, Document[]>()
  const summaries = new Map<string, string[]>()
  const problems: string[] = []
  const documentsOf = (file: string): Document[] | undefined => {
    let documents = parsed.get(file)
    if (documents === undefined) {
      const text = texts.get(file)
      if (text === undefined) return undefined
      documents = parseAllDocuments(text) as Document[]
      parsed.set(file, documents)
    }
    return documents
  }
  const note = (file: string, summary: string) => summaries.set(file, [...(summaries.get(file) ?? []), summary])
  for (const removal of removals) {
    if (removal.kind === 'break-glass' || removal.kind === 'manual') continue
    const documents = documentsOf(removal.file)
    if (documents === undefined) {
      problems.push(`cannot read ${removal.file}`)
      continue
    }
    switch (removal.kind) {
      case 'grant': {
        const document = findDocument(documents, 'Grant', removal.grant)
        if (document === undefined) {
          problems.push(`Grant "${removal.grant}" is no longer in ${removal.file}`)
          continue
        }
        documents.splice(documents.indexOf(document), 1)
        note(removal.file, `removed Grant "${removal.grant}"`)
        break
      }
      case 'listed-member': {
        const document = findDocument(documents, 'Group', removal.group)
        const users = document?.getIn(['source', 'members', 'users'], true)
        const index = isSeq(users) ? users.items.findIndex((item) => isScalar(item) && String(item.value).toLowerCase() === removal.user.toLowerCase()) : -1
        if (document === undefined || index < 0) {
          problems.push(`"${removal.user}" is no longer listed in Group "${removal.group}" (${removal.file})`)
          continue
        }
        document.deleteIn(['source', 'members', 'users', index])
        note(removal.file, `removed listed member ${removal.user} from Group "${removal.group}"`)
        break
      }
      case 'idp-exclude': {
        const document = findDocument(documents, 'Group', removal.group)
        if (document === undefined) {
          problems.push(`Group "${removal.group}" is no longer in ${removal.file}`)
          continue
        }
        const entry = document.createNode({ user: removal.user, connection: removal.connection, reason: `revoked in access review ${reviewId}` })
        const exclude = document.get('exclude', true)
        if (isSeq(exclude)) exclude.items.push(entry)
        else document.set('exclude', document.createNode([{ user: removal.user, connection: removal.connection, reason: `revoked in access review ${reviewId}` }]))
        note(removal.file, `excluded ${removal.user} from Group "${removal.group}"; also remove them from the IdP group ${removal.idpGroup}`)
        break
      }
      default: {
        const unreachable: never = removal
        throw new Error(`unknown removal ${String(unreachable)}`)
      }
    }
  }
  const edits: FileEdit[] = []
  for (const [file, documents] of parsed) {
    const kept = documents.filter((document) => !isEmptyDocument(document) || document.commentBefore !== null || document.comment !== null)
    const text = kept.some((document) => !isEmptyDocument(document)) ? kept.map((document, index) => (index === 0 ? document.toString() : `---\n${document.toString().replace(/^---\n/, '')}`)).join('') : undefined
    edits.push({ file, text, summaries: summaries.get(file) ?? [] })
  }
  return { edits, problems }
}
