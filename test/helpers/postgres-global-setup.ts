// vitest globalSetup: one PostgreSQL cluster for the whole run, its address provided to every test file.
import type { TestProject } from 'vitest/node'
import { describeCluster, startPostgres } from './postgres-server.mjs'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgres()
  project.provide('postgres', describeCluster(cluster))
  return () => cluster.stop()
}
