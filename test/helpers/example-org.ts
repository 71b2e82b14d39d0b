// A small directory for the example organization (access/), provisioned into a store and applied: what the
// explorer's tests browse. One user's displayName is markup, to show that pages print it as text.
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from './apply-example.js'

export const markupName = '<img src=x onerror=alert(1)>'

const write = { actor: 'scim:okta' }

function person(userName: string, displayName: string) {
  return { userName, displayName, name: { formatted: displayName }, emails: [{ value: userName, primary: true }], active: true }
}

export async function provisionExampleOrg(store: Store): Promise<void> {
  const sasha = await store.createUser('okta', person('sasha@acme.example', 'Sasha Security'), write)
  const sam = await store.createUser('okta', person('sam@acme.example', 'Sam Second'), write)
  const casey = await store.createUser('okta', person('casey@acme.example', 'Casey Support'), write)
  const dana = await store.createUser('okta', person('dana@acme.example', 'Dana Checkout'), write)
  const mallory = await store.createUser('okta', person('mallory@acme.example', markupName), write)
  await store.createUser('okta', { ...person('gone@acme.example', 'Gone Away'), active: false }, write)
  await store.createGroup('okta', { displayName: 'security-admins' }, [sasha.id, sam.id], write)
  await store.createGroup('okta', { displayName: 'support-tier-2' }, [casey.id, mallory.id], write)
  await store.createGroup('okta', { displayName: 'checkout-team' }, [dana.id], write)
  await applyExampleAccess(store)
}
