// Which files below the access directory are read: symbolic links inside it are followed; links out of it, broken
// links, loops and YAML-named entries that are not files are listed as skipped, never dropped in silence.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findAccessFiles } from '../../src/load/files.js'

let base: string
let dir: string

beforeEach(async () => {
  // Real path: reasons name a link's target as resolved (the temporary folder may itself be behind a link).
  base = await realpath(await mkdtemp(join(tmpdir(), 'rolecall-files-')))
  dir = join(base, 'access')
  await mkdir(join(dir, 'org'), { recursive: true })
  await writeFile(join(dir, 'org', 'policy.yaml'), 'kind: Policy\n')
})

afterEach(async () => {
  await rm(base, { recursive: true, force: true })
})

async function found() {
  const { files, skipped } = await findAccessFiles(dir)
  const rel = (path: string) => path.slice(dir.length + 1)
  return { files: files.map(rel), skipped: skipped.map((entry) => [rel(entry.path), entry.reason]) }
}

describe('load/files findAccessFiles', () => {
  it('reads YAML files, in sorted order, and leaves out hidden entries, node_modules and other extensions', async () => {
    await writeFile(join(dir, 'b.yml'), '')
    await writeFile(join(dir, 'a.YAML'), '')
    await writeFile(join(dir, 'notes.txt'), '')
    await writeFile(join(dir, '.hidden.yaml'), '')
    await mkdir(join(dir, '.git'))
    await writeFile(join(dir, '.git', 'x.yaml'), '')
    await mkdir(join(dir, 'node_modules'))
    await writeFile(join(dir, 'node_modules', 'x.yaml'), '')
    expect(await found()).toEqual({ files: ['a.YAML', 'b.yml', 'org/policy.yaml'], skipped: [] })
  })

  it('follows a link to a file or a folder inside the directory, by the name of the link', async () => {
    await writeFile(join(dir, 'org', 'role.txt'), '')
    await symlink(join('org', 'role.txt'), join(dir, 'link.yaml'))
    await symlink('org', join(dir, 'same-org'))
    expect(await found()).toEqual({ files: ['link.yaml', 'org/policy.yaml', 'same-org/policy.yaml'], skipped: [] })
  })

  it('skips, with the reason, a link out of the directory, a broken link, a link loop and a link to a folder above it', async () => {
    await writeFile(join(base, 'outside.yaml'), '')
    await mkdir(join(base, 'shared'))
    await symlink(join(base, 'outside.yaml'), join(dir, 'out.yaml'))
    await symlink(join(base, 'shared'), join(dir, 'shared'))
    await symlink('missing.yaml', join(dir, 'dangling.yaml'))
    await symlink('self', join(dir, 'self'))
    await symlink('..', join(dir, 'org', 'up'))
    await symlink(join(base, 'outside.yaml'), join(dir, 'notes.md'))
    expect(await found()).toEqual({
      files: ['org/policy.yaml'],
      skipped: [
        ['dangling.yaml', 'it is a symbolic link to something that does not exist'],
        ['org/up', 'it is a symbolic link to a folder that contains it (a loop)'],
        ['out.yaml', `it is a symbolic link to ${join(base, 'outside.yaml')}, outside the access directory`],
        ['self', 'it is a symbolic link that leads back to itself'],
        ['shared', `it is a symbolic link to ${join(base, 'shared')}, outside the access directory`],
      ],
    })
  })

  it('skips a YAML-named entry that is not a regular file', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')])
    expect(await found()).toEqual({ files: ['org/policy.yaml'], skipped: [['pipe.yaml', 'it is not a regular file']] })
  })

  it('reads the files of a directory that is itself a link', async () => {
    await symlink(dir, join(base, 'alias'))
    const { files, skipped } = await findAccessFiles(join(base, 'alias'))
    expect({ files, skipped }).toEqual({ files: [join(base, 'alias', 'org', 'policy.yaml')], skipped: [] })
  })
})
