// Worker thread: computes directoryDigest of the directory it is sent, so that a plan computes it beside its other work.
import { parentPort } from 'node:worker_threads'
import { directoryWithTable, type MembershipTable } from '../engine/membership-table.js'
import type { Directory } from '../engine/types.js'
import { directoryDigest } from './directory-digest.js'

parentPort?.once('message', (message: { users: Directory['users']; groups: Directory['groups']; table: MembershipTable }) => {
  parentPort?.postMessage(directoryDigest(directoryWithTable({ users: message.users, groups: message.groups }, message.table)))
})
