// The store contract on SQLite: a store file in a temporary directory per test, opened once per store object.
import { sqliteLocation } from '../helpers/sqlite-file.js'
import { runStoreContract } from './contract/run-store-contract.js'

runStoreContract({
  name: 'sqlite',
  create: async () => sqliteLocation(),
})
