// One PostgreSQL server for the whole test run (vitest globalSetup); tests get its URL with inject('postgresUrl').
import type { TestProject } from 'vitest/node'
import { startPostgres } from './postgres.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startPostgres()
  project.provide('postgresUrl', server.url)
  return () => server.destroy()
}
