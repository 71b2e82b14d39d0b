// Versioned schema migrations of the PostgreSQL store, applied in order on open under an advisory lock.
import { StoreError } from '../../errors.js'
import { genesisHash } from '../audit-chain.js'
import type { Sql } from './connect.js'

/**
 * Each entry upgrades the schema from version `index` to `index + 1`. Never edit one that has shipped.
 * Texts are `COLLATE "C"`: ordering and ranges by code point, as the SQLite store orders them, whatever the
 * database's default collation. Documents are kept as their JSON text (read back byte for byte); filters on
 * attributes that have no column read them as jsonb.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE connections (
    name text COLLATE "C" PRIMARY KEY,
    created_at text NOT NULL
  );

  CREATE TABLE tokens (
    id text COLLATE "C" PRIMARY KEY,
    connection text COLLATE "C" NOT NULL REFERENCES connections(name),
    hash text COLLATE "C" NOT NULL UNIQUE,
    hint text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    revoked_at text
  );

  CREATE TABLE users (
    rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    connection text COLLATE "C" NOT NULL REFERENCES connections(name),
    user_name text COLLATE "C" NOT NULL,
    user_name_key text COLLATE "C" NOT NULL,
    external_id text COLLATE "C",
    active boolean NOT NULL,
    display_name text COLLATE "C",
    doc text NOT NULL,
    created text COLLATE "C" NOT NULL,
    last_modified text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    UNIQUE (connection, user_name_key)
  );
  CREATE INDEX users_external_id ON users (connection, external_id);
  CREATE INDEX users_user_name_key ON users (user_name_key);

  CREATE TABLE groups (
    rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    connection text COLLATE "C" NOT NULL REFERENCES connections(name),
    display_name text COLLATE "C" NOT NULL,
    display_name_key text COLLATE "C" NOT NULL,
    external_id text COLLATE "C",
    doc text NOT NULL,
    created text COLLATE "C" NOT NULL,
    last_modified text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    UNIQUE (connection, display_name_key)
  );
  CREATE INDEX groups_external_id ON groups (connection, external_id);

  CREATE TABLE memberships (
    group_rid bigint NOT NULL REFERENCES groups(rid) ON DELETE CASCADE,
    user_rid bigint NOT NULL REFERENCES users(rid) ON DELETE CASCADE,
    PRIMARY KEY (group_rid, user_rid)
  );
  CREATE INDEX memberships_user ON memberships (user_rid, group_rid);

  -- One row: the store revision, the audit chain's head and the group-fields generation. Every write locks it
  -- first (SELECT ... FOR UPDATE): writers from every process are serialised there, so the revision and the
  -- chain have no gaps and no forks.
  CREATE TABLE store_head (
    id integer PRIMARY KEY CHECK (id = 1),
    revision bigint NOT NULL,
    audit_seq bigint NOT NULL,
    audit_hash text COLLATE "C" NOT NULL,
    group_fields bigint NOT NULL
  );
  INSERT INTO store_head (id, revision, audit_seq, audit_hash, group_fields) VALUES (1, 0, 0, '${genesisHash}', 0);

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

  CREATE FUNCTION rolecall_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    RAISE EXCEPTION 'audit log is append-only';
  END
  $fn$;
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();
  CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION rolecall_audit_append_only();

  -- The head follows every append in the same transaction; it only ever moves forward.
  CREATE FUNCTION rolecall_audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    UPDATE store_head SET audit_seq = NEW.seq, audit_hash = NEW.hash WHERE id = 1;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER audit_head_follows AFTER INSERT ON audit FOR EACH ROW EXECUTE FUNCTION rolecall_audit_head_follows();
  CREATE FUNCTION rolecall_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF NEW.audit_seq < OLD.audit_seq OR (NEW.audit_seq = OLD.audit_seq AND NEW.audit_hash <> OLD.audit_hash) THEN
      RAISE EXCEPTION 'audit head only moves forward';
    END IF;
    RETURN NEW;
  END
  $fn$;
  CREATE TRIGGER audit_head_forward BEFORE UPDATE ON store_head FOR EACH ROW EXECUTE FUNCTION rolecall_audit_head_forward();
  CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON store_head FOR EACH ROW EXECUTE FUNCTION rolecall_audit_append_only();

  -- A stored document as jsonb for filters; NULL for a text jsonb refuses (a \\u0000 or a lone surrogate escape),
  -- which then matches no filter and sorts last, as the SQLite store treats documents its JSON functions refuse.
  CREATE FUNCTION rolecall_jsonb(doc text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
  BEGIN
    RETURN doc::jsonb;
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END
  $fn$;

  CREATE TABLE applied_revisions (
    number integer PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
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
    id text COLLATE "C" PRIMARY KEY,
    user_name text NOT NULL,
    actions text NOT NULL,
    resource text NOT NULL,
    env text,
    reason text NOT NULL,
    expires text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    created_by text NOT NULL,
    revoked_at text
  );

  CREATE TABLE admin_tokens (
    id text COLLATE "C" PRIMARY KEY,
    hash text COLLATE "C" NOT NULL UNIQUE,
    hint text NOT NULL,
    name text,
    scopes text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    revoked_at text
  );
  `,
  // The People search's text of each user (userName key, then displayName, name.formatted and each email, lower-cased,
  // one per line: SCIM refuses control characters in values, so no line holds two), kept by a trigger whatever writes
  // users. With pg_trgm (a trusted extension; where it cannot be created, the search reads every row) a trigram index
  // finds LIKE '%text%' on it.
  `
  CREATE TABLE people_search_text (rid bigint PRIMARY KEY REFERENCES users(rid) ON DELETE CASCADE, text text NOT NULL);
  CREATE FUNCTION rolecall_people_search_text(u users) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
    SELECT u.user_name_key || E'\n' || coalesce(lower(u.display_name), '') || E'\n' || coalesce(lower(j #>> '{name,formatted}'), '') || E'\n' ||
      coalesce((SELECT string_agg(lower(e ->> 'value'), E'\n') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'emails') = 'array' THEN j -> 'emails' ELSE '[]'::jsonb END) e), '')
    FROM (SELECT rolecall_jsonb(u.doc) AS j) d
  $fn$;
  CREATE FUNCTION rolecall_people_search_follows() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO people_search_text (rid, text) VALUES (NEW.rid, rolecall_people_search_text(NEW)) ON CONFLICT (rid) DO UPDATE SET text = EXCLUDED.text;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER users_people_search AFTER INSERT OR UPDATE OF user_name_key, display_name, doc ON users FOR EACH ROW EXECUTE FUNCTION rolecall_people_search_follows();
  INSERT INTO people_search_text (rid, text) SELECT u.rid, rolecall_people_search_text(u) FROM users u;
  DO $do$
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX people_search_trigrams ON people_search_text USING gin (text gin_trgm_ops);
  EXCEPTION WHEN others THEN
    RAISE NOTICE 'pg_trgm is not available (%): the People search reads every user', SQLERRM;
  END
  $do$;
  `,
  // The audit entry of the SCIM write that added each membership (null for memberships older than this column, and
  // bulk loads), and the review the server verified for an apply: what a check answer's provenance names.
  `
  ALTER TABLE memberships ADD COLUMN added_seq bigint;
  ALTER TABLE applied_revisions ADD COLUMN review text;
  `,
  // The IdP change guard: holds (access a SCIM write would give, waiting for review), the gains mass-change limits
  // count, and each user's state at the last apply (the baseline of reactivations and renames).
  `
  CREATE TABLE holds (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    user_name text NOT NULL,
    group_id text COLLATE "C",
    group_name text,
    trigger text NOT NULL,
    access text NOT NULL,
    risk text NOT NULL,
    audit_seq bigint NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'released', 'rejected', 'moot')),
    closed_at text,
    closed_by text,
    closed_reason text
  );
  CREATE INDEX holds_user_in_force ON holds (user_id) WHERE status IN ('open', 'rejected');
  CREATE INDEX holds_group_open ON holds (group_id) WHERE status = 'open';
  CREATE TABLE guard_gains (
    connection text COLLATE "C" NOT NULL,
    user_key text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C",
    at text COLLATE "C" NOT NULL,
    is_held boolean NOT NULL DEFAULT false
  );
  CREATE INDEX guard_gains_window ON guard_gains (connection, at);
  CREATE INDEX guard_gains_group ON guard_gains (group_id, at);
  ALTER TABLE users ADD COLUMN reviewed_active boolean;
  ALTER TABLE users ADD COLUMN reviewed_name_key text COLLATE "C";
  UPDATE users SET reviewed_active = active, reviewed_name_key = user_name_key;
  `,
]

/** The table that records the schema version (one row), created before the first migration. */
const versionTable = 'rolecall_schema'

/** An arbitrary constant: the advisory lock every opener takes while it migrates (replicas starting together). */
const migrationLockKey = 7_390_511_624

/**
 * Brings the schema up to date inside one transaction that holds the migration lock, so that replicas starting
 * together migrate once. Refuses a schema newer than this build knows, and a database that holds tables of its
 * own but was never a rolecall store.
 */
export async function migrate(sql: Sql, display: string, target = migrations.length): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [migrationLockKey])
    const [known] = await tx.unsafe<{ exists: boolean }[]>(`SELECT to_regclass('${versionTable}') IS NOT NULL AS exists`)
    let current = 0
    if (known?.exists === true) {
      const [row] = await tx.unsafe<{ version: number }[]>(`SELECT version FROM ${versionTable}`)
      current = row?.version ?? 0
    } else {
      const [other] = await tx.unsafe<{ name: string }[]>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') LIMIT 1`,
      )
      if (other !== undefined) {
        throw new StoreError(`${display} is not a rolecall store: its schema already holds tables of its own (such as "${other.name}"); give rolecall a database (or schema) of its own`)
      }
      await tx.unsafe(`CREATE TABLE ${versionTable} (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)`)
      await tx.unsafe(`INSERT INTO ${versionTable} (id, version) VALUES (1, 0)`)
    }
    if (current > migrations.length) {
      throw new StoreError(`the store ${display} has schema version ${current}, newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
    }
    for (let version = current; version < target; version++) {
      await tx.unsafe(migrations[version] ?? '')
      await tx.unsafe(`UPDATE ${versionTable} SET version = $1`, [version + 1])
    }
  })
}

/** The schema version recorded in the database (0 when rolecall never migrated it). */
export async function schemaVersion(sql: Sql): Promise<number> {
  const [known] = await sql.unsafe<{ exists: boolean }[]>(`SELECT to_regclass('${versionTable}') IS NOT NULL AS exists`)
  if (known?.exists !== true) return 0
  const [row] = await sql.unsafe<{ version: number }[]>(`SELECT version FROM ${versionTable}`)
  return row?.version ?? 0
}

/** For commands that only read: the schema must be there, and not newer than this build; nothing is migrated. */
export async function requireSchema(sql: Sql, display: string): Promise<number> {
  const version = await schemaVersion(sql)
  if (version === 0) throw new StoreError(`the database ${display} holds no rolecall store yet; rolecall serve creates it when it first starts`)
  if (version > migrations.length) {
    throw new StoreError(`the store ${display} has schema version ${version}, newer than this rolecall understands (${migrations.length}); upgrade rolecall`)
  }
  return version
}
