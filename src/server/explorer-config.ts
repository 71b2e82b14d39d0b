// The web explorer's serve flags: --trust-proxy and --ui-user-header (with their ROLECALL_* variables).
import { envSetting } from '../cli/args.js'
import { UsageError } from '../errors.js'
import type { ExplorerServerOptions } from './app.js'

export const explorerFlags = {
  'trust-proxy': { type: 'boolean' },
  'ui-user-header': { type: 'string' },
} as const

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare)
}

/**
 * The explorer's options. `--ui-user-header` trusts whoever can reach the server to have passed the SSO proxy
 * that sets it: refused unless the server binds to loopback only or `--trust-proxy` says a proxy fronts it.
 */
export function resolveExplorerOptions(values: { 'trust-proxy'?: boolean; 'ui-user-header'?: string }, env: NodeJS.ProcessEnv, host: string): ExplorerServerOptions {
  const trustProxy = values['trust-proxy'] === true || /^(1|true|yes)$/i.test(envSetting(env, 'ROLECALL_TRUST_PROXY') ?? '')
  const userHeader = values['ui-user-header'] ?? envSetting(env, 'ROLECALL_UI_USER_HEADER')
  if (userHeader !== undefined) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(userHeader)) throw new UsageError(`--ui-user-header must be a header name (got "${userHeader}")`)
    if (!trustProxy && !isLoopback(host)) throw new UsageError(`--ui-user-header signs in whoever sends that header: bind to loopback (--host 127.0.0.1) behind the SSO proxy, or give --trust-proxy`)
  }
  return { trustProxy, ...(userHeader === undefined ? {} : { userHeader: userHeader.toLowerCase() }) }
}
