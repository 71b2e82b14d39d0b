// Who is who among GitHub logins: logins that the identity map gives the same userName are one person.
import { compareStrings } from '../util/compare.js'
import type { Identities } from './review-inputs.js'

/** A person behind one or more logins: the key is the userName the identity map gives them, else their only login. */
export type Person = { key: string; userName: string | undefined; logins: string[] }

/** The person a login belongs to (keys are lower case, and a userName never equals a bare login's key). */
export function personKey(login: string, identities: Identities): string {
  const userName = identities.get(login.toLowerCase())
  return userName === undefined ? `login:${login.toLowerCase()}` : `user:${userName.toLowerCase()}`
}

/** The key of whoever holds `userName` in the store, so that a userName and a login mapped to it compare equal. */
export function personKeyOfUserName(userName: string): string {
  return `user:${userName.toLowerCase()}`
}

/** `logins` grouped by person, in order of each person's first login (sorted); each person's logins sorted. */
export function groupByPerson(logins: readonly string[], identities: Identities): Person[] {
  const persons = new Map<string, Person>()
  for (const login of [...logins].sort(compareStrings)) {
    const key = personKey(login, identities)
    const person = persons.get(key) ?? { key, userName: identities.get(login.toLowerCase()), logins: [] }
    person.logins.push(login)
    persons.set(key, person)
  }
  return [...persons.values()]
}
