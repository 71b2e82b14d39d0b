// A SCIM app on a new store of the backend under test, with one token per connection, and a small request helper (no ports).
import { createScimApp } from '../../src/scim/app.js'
import type { Store } from '../../src/store/store.js'
import { testStore } from './test-store.js'

/** A parsed SCIM response body. Tests probe it freely, so it is left untyped here and nowhere else. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export type ScimResponse = { status: number; headers: Headers; body: Json }

export type ScimClient = {
  request: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ScimResponse>
  token: string
}

export async function scimFixture(connections: string[] = ['okta']) {
  const store: Store = await testStore()
  const app = createScimApp({ store })
  const clients: Record<string, ScimClient> = {}
  for (const connection of connections) {
    const { token } = await store.createToken(connection)
    clients[connection] = {
      token,
      request: async (method, path, body, headers = {}) => {
        const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } }
        if (body !== undefined) {
          init.body = typeof body === 'string' ? body : JSON.stringify(body)
          ;(init.headers as Record<string, string>)['content-type'] ??= 'application/scim+json'
        }
        const response = await app.request(`http://localhost/scim/v2${path}`, init)
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
      },
    }
  }
  const client = clients[connections[0] ?? 'okta'] as ScimClient
  return { store, app, clients, client, request: client.request }
}

export const userSchemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const enterpriseUrn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const groupSchemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export function aUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [userSchemaUrn],
    userName,
    name: { givenName: userName.split('@')[0], familyName: 'Test' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  }
}

export function patch(...operations: unknown[]) {
  return { schemas: [patchUrn], Operations: operations }
}
