// How `rolecall serve` uses its database: pool size and timeouts from --db-* flags, then ROLECALL_DB_* environment, then defaults.
import type { StoreConnectionSettings } from '../store/open-store.js'
import { countSetting, secondsSetting, settingOf } from './settings.js'

/**
 * Ten connections per replica (PostgreSQL's default max_connections of 100 then holds several replicas and the
 * CLI); waits of 5 s for a connection, for the server to answer a connect and for another writer's lock, so that
 * a request is answered 503 well before an IdP's own timeout (Entra waits 10 s); any statement stopped at 30 s.
 */
export const defaultDbSettings: Required<StoreConnectionSettings> = { poolSize: 10, connectTimeoutMs: 5000, poolWaitMs: 5000, lockTimeoutMs: 5000, statementTimeoutMs: 30_000 }

/** The flags `serve` takes for its database, as its command-line spec declares them (flag, then variable, then default). */
export const dbFlags = {
  'db-pool-size': { type: 'string', value: 'N', description: 'connections to PostgreSQL this server holds', env: 'ROLECALL_DB_POOL_SIZE', defaultText: String(defaultDbSettings.poolSize) },
  'db-connect-timeout': { type: 'string', value: 'SECONDS', description: 'time for the database to answer a connect', env: 'ROLECALL_DB_CONNECT_TIMEOUT', defaultText: String(defaultDbSettings.connectTimeoutMs / 1000) },
  'db-pool-wait': { type: 'string', value: 'SECONDS', description: 'time a request waits for a pooled connection (then 503)', env: 'ROLECALL_DB_POOL_WAIT', defaultText: String(defaultDbSettings.poolWaitMs / 1000) },
  'db-lock-timeout': { type: 'string', value: 'SECONDS', description: "time a write waits for another writer's lock", env: 'ROLECALL_DB_LOCK_TIMEOUT', defaultText: String(defaultDbSettings.lockTimeoutMs / 1000) },
  'db-statement-timeout': { type: 'string', value: 'SECONDS', description: 'longest a statement may run', env: 'ROLECALL_DB_STATEMENT_TIMEOUT', defaultText: String(defaultDbSettings.statementTimeoutMs / 1000) },
} as const

type DbFlag = keyof typeof dbFlags
export type DbFlagValues = { [F in DbFlag]?: string | undefined }

const maxSeconds = 3600
const maxPoolSize = 1000

/** The settings from --db-pool-size (connections) and --db-connect-timeout, --db-pool-wait, --db-lock-timeout, --db-statement-timeout (seconds), or their ROLECALL_DB_* variables. */
export function resolveDbSettings(values: DbFlagValues, env: NodeJS.ProcessEnv): Required<StoreConnectionSettings> {
  const setting = (flag: DbFlag) => settingOf(flag, values[flag], dbFlags[flag].env, env)
  return {
    poolSize: countSetting(setting('db-pool-size'), defaultDbSettings.poolSize, maxPoolSize),
    connectTimeoutMs: secondsSetting(setting('db-connect-timeout'), defaultDbSettings.connectTimeoutMs, maxSeconds),
    poolWaitMs: secondsSetting(setting('db-pool-wait'), defaultDbSettings.poolWaitMs, maxSeconds),
    lockTimeoutMs: secondsSetting(setting('db-lock-timeout'), defaultDbSettings.lockTimeoutMs, maxSeconds),
    statementTimeoutMs: secondsSetting(setting('db-statement-timeout'), defaultDbSettings.statementTimeoutMs, maxSeconds),
  }
}
