// First start (`npm start`, serve --bootstrap): validate the access directory, create its SCIM connections, and give
// each connection without a token one, shown once where only a person reads it: never in the log stream.
import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { RolecallError } from '../errors.js'
import type { StoreLocation } from '../store/location.js'
import { openStore, type StoreConnectionSettings } from '../store/open-store.js'
import { envSetting } from './args.js'
import { readNow } from './clock.js'
import { loadDesired } from './desired.js'
import type { Io } from './io.js'

/** Who the audit log names for tokens made on first start, unless ROLECALL_ACTOR says. */
const bootstrapActor = 'serve --bootstrap'

const adminTokenHint = 'For the check API, make an admin token with: npx rolecall admin-token create --scope check --name YOUR-APP --actor YOU\n'

/**
 * Create the Organization's connections and a SCIM token for each that has no active one. The tokens go to
 * `tokenFile` (created new, mode 0600) or, when stderr is a terminal, to stderr; the JSON log on stdout never
 * holds one. Elsewhere (a container's collected stderr) no token is made, and the message says how to get one.
 */
export async function bootstrap(options: { dir: string | undefined; location: StoreLocation; connection: StoreConnectionSettings; tokenFile: string | undefined }, io: Io): Promise<void> {
  const desired = await loadDesired(options.dir, io, readNow(io.env))
  const connections = desired.organization?.doc.connections.map((connection) => connection.name) ?? []
  const store = await openStore(options.location, { use: 'write', connection: options.connection })
  try {
    for (const connection of connections) await store.ensureConnection(connection)
    const active = new Set((await store.listTokens()).filter((token) => token.revokedAt === undefined).map((token) => token.connection))
    const missing = connections.filter((connection) => !active.has(connection))
    if (missing.length === 0) return
    const names = missing.map((name) => `"${name}"`).join(', ')
    if (options.tokenFile === undefined && io.isErrTty !== true) {
      io.err(
        `rolecall: no SCIM token made for ${names}: stderr is not a terminal, and a token printed where logs are collected leaks. ` +
          `Start once with --token-file FILE (written with mode 0600), or run \`npx rolecall token create --connection NAME --actor YOU\`.\n${adminTokenHint}`,
      )
      return
    }
    const path = options.tokenFile === undefined ? undefined : resolve(io.cwd, options.tokenFile)
    // Created before any token exists, so that a file that cannot be made leaves no token nobody has seen.
    const file =
      path === undefined
        ? undefined
        : await open(path, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
            throw new RolecallError(error.code === 'EEXIST' ? `--token-file ${path} already exists; tokens go only to a new file` : `cannot create --token-file ${path}: ${error.message}`)
          })
    try {
      const actor = envSetting(io.env, 'ROLECALL_ACTOR') ?? bootstrapActor
      const lines: string[] = []
      for (const connection of missing) {
        const { token, info } = await store.createToken(connection, actor)
        lines.push(file === undefined ? `rolecall: SCIM token ${info.id} for connection "${connection}" (shown only this once; give it to your IdP):\n${token}\n` : `${connection} ${info.id} ${token}\n`)
      }
      if (file === undefined) io.err(lines.join(''))
      else {
        await file.writeFile(lines.join(''))
        io.err(`rolecall: wrote SCIM tokens for ${names} to ${path ?? ''} (mode 0600, one "connection id token" a line); give each to its IdP, then delete the file.\n`)
      }
      io.err(adminTokenHint)
    } finally {
      await file?.close()
    }
  } finally {
    await store.close()
  }
}
