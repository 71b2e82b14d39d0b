// `npm start` (serve --bootstrap): the example access/ validated, its connections created, one SCIM token printed once.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../helpers/serve.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-start-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function start() {
  const server = await startServer(join(dir, 'rolecall.db'), ['--bootstrap'])
  return server
}

async function stop(server: Awaited<ReturnType<typeof startServer>>) {
  server.child.kill('SIGTERM')
  return server.exited
}

describe('serve --bootstrap', () => {
  it('prints a working SCIM token on the first start only', async () => {
    const first = await start()
    const announce = first.lines.findIndex((line) => line.startsWith('rolecall: created SCIM token'))
    expect(first.lines[announce]).toMatch(/^rolecall: created SCIM token tok_[0-9a-f]+ for connection "okta"\. It is shown only this once; give it to your IdP:$/)
    const token = first.lines[announce + 1] ?? ''
    expect(token).toMatch(/^rcs_[A-Za-z0-9_-]{43}$/)
    const users = await fetch(`${first.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } })
    expect(users.status).toBe(200)
    expect(await stop(first)).toEqual({ code: 0, signal: null })

    const second = await start()
    expect(second.lines.some((line) => line.includes('created SCIM token'))).toBe(false)
    expect(second.lines.some((line) => line.includes(token))).toBe(false)
    expect(await stop(second)).toEqual({ code: 0, signal: null })
  })
})
