// The store contract on SQLite: a store file in a temporary directory per test, opened once per store object.
import { sqliteLocation } from '../helpers/sqlite-file.js'
import { runStoreContract } from './contract/run-store-contract.js'

runStoreContract({
  name: 'sqlite',
  create: async () => sqliteLocation(),
  cannot: {
    'fresh-cross-object-reads':
      'each store object trusts a SCIM or admin token it accepted for 2 s and a user it read for 5 s; nothing tells it of another object\'s writes, so it sees them once those entries expire',
    'cross-object-access-feed': 'onAccessChange is fed by the object\'s own write batches; SQLite has no notification between connections',
  },
})
