// Versioned schema migrations, applied in order on open; `PRAGMA user_version` records the last one applied.
import type Database from 'better-sqlite3'
import { StoreError } from '../../errors.js'

/** Each entry upgrades the schema from version `index` to `index + 1`. Never edit one that has shipped. */
export const migrations: readonly string[] = [
  `
  CREATE TABLE connections (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL REFERENCES connections(name),
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );

  CREATE TABLE users (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    connection TEXT NOT NULL REFERENCES connections(name),
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    active INTEGER NOT NULL,
    display_name TEXT,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (connection, user_name_key)
  );
  CREATE INDEX users_external_id ON users(connection, external_id);

  CREATE TABLE groups (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    connection TEXT NOT NULL REFERENCES connections(name),
    display_name TEXT NOT NULL,
    display_name_key TEXT NOT NULL,
    external_id TEXT,
    doc TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (connection, display_name_key)
  );
  CREATE INDEX groups_external_id ON groups(connection, external_id);

  CREATE TABLE memberships (
    group_rid INTEGER NOT NULL REFERENCES groups(rid) ON DELETE CASCADE,
    user_rid INTEGER NOT NULL REFERENCES users(rid) ON DELETE CASCADE,
    PRIMARY KEY (group_rid, user_rid)
  ) WITHOUT ROWID;
  CREATE INDEX memberships_user ON memberships(user_rid, group_rid);

  CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO state (key, value) VALUES ('revision', 0);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    connection TEXT,
    action TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    before_digest TEXT,
    after_digest TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  `,
  `
  CREATE TABLE applied_revisions (
    number INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    applied_at TEXT NOT NULL,
    store_revision INTEGER NOT NULL,
    git_commit TEXT,
    author TEXT,
    approved_by TEXT NOT NULL,
    plan_digest TEXT NOT NULL,
    desired_digest TEXT NOT NULL,
    directory_digest TEXT NOT NULL,
    summary TEXT NOT NULL,
    documents TEXT NOT NULL,
    directory TEXT
  );

  CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    actions TEXT NOT NULL,
    resource TEXT NOT NULL,
    env TEXT,
    reason TEXT NOT NULL,
    expires TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
  );
  `,
  `
  CREATE TABLE admin_tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    name TEXT,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  `,
  // Moves whenever a group's displayName or externalId changes or a group goes: readers keep those per group rid.
  `
  INSERT INTO state (key, value) VALUES ('group_fields', 0);
  `,
  // The audit log's head (last seq and hash), moved by a trigger in the transaction of every append: a log whose
  // last entries were deleted no longer ends at its head (see audit-verify.ts). One row; only ever moves forward.
  // Its own table, as the hash is text and state.value an INTEGER.
  `
  CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  );
  INSERT INTO audit_head (id, seq, hash)
    SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '${'0'.repeat(64)}') FROM audit;
  CREATE TRIGGER audit_head_follows AFTER INSERT ON audit BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END;
  CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NEW.seq <= OLD.seq BEGIN SELECT RAISE(ABORT, 'audit head only moves forward'); END;
  CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  `,
  // The explorer's People search lists users of every connection in userName order.
  `
  CREATE INDEX users_user_name_key ON users(user_name_key);
  `,
  // The People search's text of each user (userName key, then displayName, name.formatted and each email, lower-cased,
  // one per line: SCIM refuses control characters in values, so no line holds two), kept by triggers whatever writes
  // users, and its trigram index (case-sensitive on the lower-cased text: the matches of LIKE on it, found by index).
  `
  CREATE TABLE people_search_text (rid INTEGER PRIMARY KEY, text TEXT NOT NULL);
  CREATE VIRTUAL TABLE people_search USING fts5(text, content = 'people_search_text', content_rowid = 'rid', tokenize = 'trigram case_sensitive 1');
  CREATE TRIGGER people_search_text_insert AFTER INSERT ON people_search_text BEGIN
    INSERT INTO people_search (rowid, text) VALUES (NEW.rid, NEW.text);
  END;
  CREATE TRIGGER people_search_text_update AFTER UPDATE ON people_search_text BEGIN
    INSERT INTO people_search (people_search, rowid, text) VALUES ('delete', OLD.rid, OLD.text);
    INSERT INTO people_search (rowid, text) VALUES (NEW.rid, NEW.text);
  END;
  CREATE TRIGGER people_search_text_delete AFTER DELETE ON people_search_text BEGIN
    INSERT INTO people_search (people_search, rowid, text) VALUES ('delete', OLD.rid, OLD.text);
  END;
  CREATE TRIGGER users_people_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO people_search_text (rid, text) VALUES (NEW.rid, ${peopleSearchText('NEW')});
  END;
  CREATE TRIGGER users_people_search_update AFTER UPDATE OF user_name_key, display_name, doc ON users BEGIN
    UPDATE people_search_text SET text = ${peopleSearchText('NEW')} WHERE rid = NEW.rid;
  END;
  CREATE TRIGGER users_people_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM people_search_text WHERE rid = OLD.rid;
  END;
  INSERT INTO people_search_text (rid, text) SELECT rid, ${peopleSearchText('users')} FROM users;
  `,
  // The audit entry of the SCIM write that added each membership (null for memberships older than this column, and
  // bulk loads), and the review the server verified for an apply: what a check answer's provenance names.
  `
  ALTER TABLE memberships ADD COLUMN added_seq INTEGER;
  ALTER TABLE applied_revisions ADD COLUMN review TEXT;
  `,
  // The IdP change guard: holds (access a SCIM write would give, waiting for review), the gains mass-change limits
  // count, and each user's state at the last apply (the baseline of reactivations and renames).
  `
  CREATE TABLE holds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    group_id TEXT,
    group_name TEXT,
    trigger TEXT NOT NULL,
    access TEXT NOT NULL,
    risk TEXT NOT NULL,
    audit_seq INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'released', 'rejected', 'moot')),
    closed_at TEXT,
    closed_by TEXT,
    closed_reason TEXT
  );
  CREATE INDEX holds_user_in_force ON holds(user_id) WHERE status IN ('open', 'rejected');
  CREATE INDEX holds_group_open ON holds(group_id) WHERE status = 'open';
  CREATE TABLE guard_gains (
    connection TEXT NOT NULL,
    user_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    group_id TEXT,
    at TEXT NOT NULL,
    is_held INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX guard_gains_window ON guard_gains(connection, at);
  CREATE INDEX guard_gains_group ON guard_gains(group_id, at);
  ALTER TABLE users ADD COLUMN reviewed_active INTEGER;
  ALTER TABLE users ADD COLUMN reviewed_name_key TEXT;
  UPDATE users SET reviewed_active = active, reviewed_name_key = user_name_key;
  `,
]

/** The People search's text of the users row `row` (NEW in a trigger, or the table): what the search matches. */
function peopleSearchText(row: string): string {
  const emails = `(SELECT group_concat(lower(json_extract(e.value, '$.value')), char(10)) FROM json_each(${row}.doc, '$.emails') e WHERE e.type = 'object')`
  return `${row}.user_name_key || char(10) || coalesce(lower(${row}.display_name), '') || char(10) ||
    CASE WHEN json_valid(${row}.doc) THEN coalesce(lower(json_extract(${row}.doc, '$.name.formatted')), '') || char(10) || coalesce(${emails}, '') ELSE '' END`
}

/** Brings the schema up to date (or up to `target`) inside one transaction per migration. */
/**
 * A database rolecall never migrated (schema version 0) that already holds tables belongs to something else:
 * rolecall must neither add its tables to it nor switch its journal mode. Called before anything writes.
 */
export function refuseForeignDatabase(db: Database.Database): void {
  if (Number(db.pragma('user_version', { simple: true })) !== 0) return
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1").get() === undefined) return
  throw new StoreError(`${db.name} is not a rolecall store: it is an SQLite database with tables of its own`)
}

export function migrate(db: Database.Database, target = migrations.length): number {
  const current = Number(db.pragma('user_version', { simple: true }))
  if (current > migrations.length) {
    throw new StoreError(`database schema version ${current} is newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
  }
  refuseForeignDatabase(db)
  for (let version = current; version < target; version++) {
    const sql = migrations[version] ?? ''
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
  return migrations.length
}
