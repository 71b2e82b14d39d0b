// One user's records, IdP groups and memberships, read in one transaction: the check API's read (directoryOfUser).
import type Database from 'better-sqlite3'
import type { LiveSnapshot } from '../store.js'

type Group = LiveSnapshot['groups'][number]

export class UserDirectories {
  /** Group rid → the fields returned, while the `group_fields` counter stays at `generation`. */
  private groupFields = { generation: -1, byRid: new Map<number, Group>() }
  readonly read: (userName: string) => LiveSnapshot

  constructor(
    db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement<unknown[]>,
    private readonly revision: () => number,
  ) {
    this.read = db.transaction((userName: string) => this.readUser(userName))
  }

  /** A group was renamed, re-identified or deleted through this process (other processes move `group_fields`). */
  groupFieldsChanged(): void {
    this.groupFields = { generation: -1, byRid: new Map() }
  }

  private readUser(userName: string): LiveSnapshot {
    const revision = this.revision()
    const generation = this.stmt(`SELECT value FROM state WHERE key = 'group_fields'`).pluck().get() as number
    if (generation !== this.groupFields.generation) this.groupFields = { generation, byRid: new Map() }
    const known = this.groupFields.byRid
    // One probe of the (connection, user_name_key) index per connection: no second index to keep up on every write.
    const userRows = this.stmt('SELECT rid, id, connection, user_name, external_id, active FROM users WHERE connection IN (SELECT name FROM connections) AND user_name_key = ?').all(userName.toLowerCase()) as {
      rid: number
      id: string
      connection: string
      user_name: string
      external_id: string | null
      active: number
    }[]
    const users = userRows.map((row) => ({ id: row.id, connection: row.connection, userName: row.user_name, ...(row.external_id === null ? {} : { externalId: row.external_id }), active: row.active === 1 }))
    const groups: Group[] = []
    const memberships: LiveSnapshot['memberships'] = []
    for (const user of userRows) {
      // Group rids from the covering index; each group's fields read once and kept (20 row reads per user cost 5x more).
      for (const rid of this.stmt('SELECT group_rid FROM memberships WHERE user_rid = ?').pluck().all(user.rid) as number[]) {
        let group = known.get(rid)
        if (group === undefined) {
          const row = this.stmt('SELECT id, connection, display_name, external_id FROM groups WHERE rid = ?').get(rid) as
            | { id: string; connection: string; display_name: string; external_id: string | null }
            | undefined
          if (row === undefined) continue
          group = { id: row.id, connection: row.connection, displayName: row.display_name, ...(row.external_id === null ? {} : { externalId: row.external_id }) }
          known.set(rid, group)
        }
        groups.push(group)
        memberships.push({ groupId: group.id, userId: user.id })
      }
    }
    return { revision, users, groups, memberships }
  }
}
