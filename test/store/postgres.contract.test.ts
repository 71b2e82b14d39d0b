// The store contract on PostgreSQL: a new database per test on the run's server, opened once per store object.
import { postgresLocation } from '../helpers/postgres-location.js'
import { runStoreContract } from './contract/run-store-contract.js'

runStoreContract({
  name: 'postgres',
  create: postgresLocation,
})
