// validate on a generated organization (5,000 groups, 20,000 grants, 500 files) and CLI start-up time.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOrg } from './generate-org.mjs'
import { cli, report, timeProcess } from './lib.mjs'

async function sizeOf(dir) {
  let bytes = 0
  let files = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      bytes += (await stat(join(entry.parentPath, entry.name))).size
      files++
    }
  }
  return { bytes, files }
}

const dir = await mkdtemp(join(tmpdir(), 'rolecall-bench-org-'))
await generateOrg(dir)
const { bytes, files } = await sizeOf(dir)
console.log(`# validate: generated ${files} files, ${(bytes / 1e6).toFixed(1)} MB (5,000 groups, 20,000 grants)`)

const clean = timeProcess([cli, 'validate', '--dir', dir])
if (clean.some((run) => run.status !== 0)) throw new Error(`validate failed on the generated org:\n${clean[0].stdout}`)
const cleanMs = report('validate, 0 problems', clean, 2000)

// One mistake in every team file forces the position-carrying re-parse of 500 files: the slow path.
for (const entry of await readdir(join(dir, 'teams'))) {
  const file = join(dir, 'teams', entry, 'groups.yaml')
  await writeFile(file, (await readFile(file, 'utf8')).replace('roles: [Role', 'rolse: [Role'))
}
const broken = timeProcess([cli, 'validate', '--dir', dir])
const brokenMs = report('validate, 1 problem in each of 500 files', broken)
console.log(`  ratio (every file re-parsed with positions / clean): ${(brokenMs / cleanMs).toFixed(2)}x`)

const help = timeProcess([cli, '--help'], { runs: 11 })
report('rolecall --help start-up', help, 300)
const bare = timeProcess(['-e', '0'], { runs: 11 })
const bareMs = report('node -e 0 (process start, for scale)', bare)
console.log(`  ratio (--help / bare node): ${(help[Math.floor(help.length / 2)].ms / bareMs).toFixed(2)}x`)
await rm(dir, { recursive: true, force: true })
