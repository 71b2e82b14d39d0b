// Provisions users and groups over real SCIM requests shaped like Okta's, for reconciler tests.
import type { ScimClient } from './scim.js'
import { groupSchemaUrn, patchUrn, userSchemaUrn } from './scim.js'

export async function provisionUser(client: ScimClient, userName: string): Promise<string> {
  const response = await client.request('POST', '/Users', {
    schemas: [userSchemaUrn],
    userName,
    name: { givenName: userName.split('@')[0], familyName: 'Example' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    active: true,
  })
  if (response.status !== 201) throw new Error(`provisioning ${userName}: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body.id as string
}

export async function provisionGroup(client: ScimClient, displayName: string, memberIds: string[]): Promise<string> {
  const response = await client.request('POST', '/Groups', { schemas: [groupSchemaUrn], displayName, members: memberIds.map((value) => ({ value })) })
  if (response.status !== 201) throw new Error(`provisioning ${displayName}: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body.id as string
}

export async function addMembers(client: ScimClient, groupId: string, memberIds: string[]): Promise<void> {
  const response = await client.request('PATCH', `/Groups/${groupId}`, { schemas: [patchUrn], Operations: [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }] })
  if (response.status !== 204 && response.status !== 200) throw new Error(`adding members: ${response.status} ${JSON.stringify(response.body)}`)
}

export async function deactivateUser(client: ScimClient, userId: string): Promise<void> {
  const response = await client.request('PATCH', `/Users/${userId}`, { schemas: [patchUrn], Operations: [{ op: 'replace', value: { active: false } }] })
  if (response.status !== 204 && response.status !== 200) throw new Error(`deactivating: ${response.status} ${JSON.stringify(response.body)}`)
}
