// Versioned schema migrations for PostgreSQL, applied in order under an advisory lock, so that replicas starting
// together migrate once; `rolecall_schema` records the version.
import { StoreError } from '../../errors.js'
import { genesisHash } from '../audit-chain.js'
import type { Sql } from './connect.js'

/** Each entry upgrades the schema from version `index` to `index + 1`. Never edit one that has shipped. */
export const migrations: readonly string[] = [
  `
  CREATE TABLE connections (
    name text PRIMARY KEY,
    created_at text NOT NULL
  );

  CREATE TABLE tokens (
    id text PRIMARY KEY,
    connection text NOT NULL REFERENCES connections(name),
    hash text NOT NULL UNIQUE,
    hint text NOT NULL,
    created_at text NOT NULL,
    revoked_at text
  );

  -- Documents are kept as sent (json keeps the text, its key order included); filters read them as jsonb.
  CREATE TABLE users (
    rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    connection text NOT NULL REFERENCES connections(name),
    user_name text NOT NULL,
    user_name_key text COLLATE "C" NOT NULL,
    external_id text COLLATE "C",
    active boolean NOT NULL,
    display_name text,
    doc json NOT NULL,
    created text COLLATE "C" NOT NULL,
    last_modified text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    CONSTRAINT users_user_name_unique UNIQUE (connection, user_name_key)
  );
  CREATE INDEX users_external_id ON users (connection, external_id);
  CREATE INDEX users_user_name_key ON users (user_name_key);

  CREATE TABLE groups (
    rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    connection text NOT NULL REFERENCES connections(name),
    display_name text NOT NULL,
    display_name_key text COLLATE "C" NOT NULL,
    external_id text COLLATE "C",
    doc json NOT NULL,
    created text COLLATE "C" NOT NULL,
    last_modified text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    CONSTRAINT groups_display_name_unique UNIQUE (connection, display_name_key)
  );
  CREATE INDEX groups_external_id ON groups (connection, external_id);

  CREATE TABLE memberships (
    group_rid bigint NOT NULL REFERENCES groups(rid) ON DELETE CASCADE,
    user_rid bigint NOT NULL REFERENCES users(rid) ON DELETE CASCADE,
    PRIMARY KEY (group_rid, user_rid)
  );
  CREATE INDEX memberships_user ON memberships (user_rid, group_rid);

  -- One row per counter; every write locks the revision row, which serialises writers into one gapless sequence.
  CREATE TABLE state (
    key text PRIMARY KEY,
    value bigint NOT NULL
  );
  INSERT INTO state (key, value) VALUES ('revision', 0), ('group_fields', 0);

  CREATE TABLE audit (
    seq bigint PRIMARY KEY,
    at text NOT NULL,
    actor text NOT NULL,
    connection text,
    action text NOT NULL,
    resource_type text,
    resource_id text,
    before_digest text,
    after_digest text,
    detail text,
    prev_hash text NOT NULL,
    hash text NOT NULL
  );

  -- The audit log's head, moved in the transaction of every append: a log whose last entries were deleted no
  -- longer ends at it. One row; it only ever moves forward.
  CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
  );
  INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${genesisHash}');

  CREATE FUNCTION rolecall_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit log is append-only';
  END $$;
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();
  CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION rolecall_audit_append_only();
  CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();

  CREATE FUNCTION rolecall_audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
  END $$;
  CREATE TRIGGER audit_head_follows AFTER INSERT ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_head_follows();

  CREATE FUNCTION rolecall_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.seq <= OLD.seq THEN RAISE EXCEPTION 'audit head only moves forward'; END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head FOR EACH ROW EXECUTE FUNCTION rolecall_audit_head_forward();

  CREATE TABLE applied_revisions (
    number integer PRIMARY KEY,
    id text NOT NULL UNIQUE,
    applied_at text NOT NULL,
    store_revision bigint NOT NULL,
    git_commit text,
    author text,
    approved_by text NOT NULL,
    plan_digest text NOT NULL,
    desired_digest text NOT NULL,
    directory_digest text NOT NULL,
    summary text NOT NULL,
    documents text NOT NULL,
    directory text
  );

  CREATE TABLE break_glass (
    id text PRIMARY KEY,
    user_name text NOT NULL,
    actions text NOT NULL,
    resource text NOT NULL,
    env text,
    reason text NOT NULL,
    expires text NOT NULL,
    created_at text NOT NULL,
    created_by text NOT NULL,
    revoked_at text
  );

  CREATE TABLE admin_tokens (
    id text PRIMARY KEY,
    hash text NOT NULL UNIQUE,
    hint text NOT NULL,
    name text,
    scopes text NOT NULL,
    created_at text NOT NULL,
    revoked_at text
  );
  `,
]

/** The key of the advisory lock under which migrations run: "rolecall" in ASCII, as a 64-bit number. */
const migrationLock = 0x726f6c6563616c6cn

/**
 * Brings the schema of the database `sql` reaches up to date, one transaction per migration, under a transaction
 * advisory lock, so that replicas starting at once wait for each other and the second finds nothing to do. A
 * database whose schema is newer than this rolecall knows is refused, as is one with tables of its own and no
 * rolecall schema. Returns the schema version.
 */
export async function migrate(sql: Sql, display: string, target = migrations.length): Promise<number> {
  for (;;) {
    const applied = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${String(migrationLock)}::bigint)`
      await tx`CREATE TABLE IF NOT EXISTS rolecall_schema (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)`
      const [row] = await tx<{ version: number }[]>`SELECT version FROM rolecall_schema WHERE id = 1`
      const current = row?.version ?? 0
      if (current > migrations.length) {
        throw new StoreError(`the database ${display} has schema version ${current}, newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
      }
      if (current === 0) {
        const [foreign] = await tx`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> 'rolecall_schema' LIMIT 1`
        if (foreign !== undefined) throw new StoreError(`the database ${display} is not a rolecall store: it has tables of its own (${String(foreign['table_name'])}); give rolecall a database of its own`)
      }
      if (current >= target) return undefined
      await tx.unsafe(migrations[current] ?? '')
      await tx`INSERT INTO rolecall_schema (id, version) VALUES (1, ${current + 1}) ON CONFLICT (id) DO UPDATE SET version = excluded.version`
      return current + 1
    })
    if (applied === undefined) return Math.min(target, migrations.length)
  }
}

/** For readers that must not migrate: the schema version, refusing a database that holds no rolecall store or a newer one. */
export async function requireSchema(sql: Sql, display: string): Promise<number> {
  const [table] = await sql`SELECT to_regclass('rolecall_schema') IS NOT NULL AS present`
  const [row] = table?.['present'] === true ? await sql<{ version: number }[]>`SELECT version FROM rolecall_schema WHERE id = 1` : []
  const version = row?.version ?? 0
  if (version === 0) throw new StoreError(`the database ${display} holds no rolecall store yet; rolecall serve creates it when it first starts`)
  if (version > migrations.length) throw new StoreError(`the database ${display} has schema version ${version}, newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
  return version
}
