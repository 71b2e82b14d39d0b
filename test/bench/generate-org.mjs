// Generates a large, valid access directory: `node test/bench/generate-org.mjs DIR [groups] [grantsPerGroup] [files]`.
// Defaults: 5,000 groups with 20,000 grants in 500 files (plus the org, catalog, 50 services and 20 roles).
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export async function generateOrg(dir, { groups = 5000, grantsPerGroup = 4, files = 500, services = 50, roles = 20 } = {}) {
  await rm(dir, { recursive: true, force: true })
  await mkdir(join(dir, 'org'), { recursive: true })
  await writeFile(
    join(dir, 'org', 'organization.yaml'),
    'kind: Organization\nname: Bench Corp\nconnections:\n  - name: okta\n    provider: okta\n  - name: entra\n    provider: entra\n',
  )
  await writeFile(
    join(dir, 'org', 'catalog.yaml'),
    `kind: Catalog
name: bench
permissions:
${['sso:manage', 'scim:manage', 'secrets:admin', 'audit:read', 'billing:read', 'members:read'].map((p, i) => `  - name: ${p}\n    risk: ${['critical', 'high', 'critical', 'low', 'medium', 'low'][i]}`).join('\n')}
resourceTypes:
  - name: journey
    actions: [{name: run, risk: low}, {name: edit, risk: medium}, {name: delete, risk: high}]
  - name: auth-config
    actions: [{name: read, risk: low}, {name: edit, risk: high}]
  - name: service
    actions: [{name: view, risk: low}, {name: deploy, risk: medium}, {name: admin, risk: high}]
environments:
  - name: staging
  - name: production
    raiseRisk: 1
serviceRoles:
  - name: maintainer
    grants: [{action: [run, edit, delete], resource: "journey:*"}, {action: [view, deploy], resource: "service:*"}]
  - name: viewer
    grants: [{action: run, resource: "journey:*"}, {action: view, resource: "service:*"}]
`,
  )
  let text = ''
  for (let r = 0; r < roles; r++) {
    text += `---\nkind: Role\nname: Role ${r}\npermissions: [audit:read, members:read]\ngrants:\n  - action: view\n    resource: service:*/*\n`
  }
  await writeFile(join(dir, 'org', 'roles.yaml'), text)
  for (let s = 0; s < services; s++) {
    await mkdir(join(dir, 'services', `svc-${s}`), { recursive: true })
    await writeFile(join(dir, 'services', `svc-${s}`, 'service.yaml'), `kind: Service\nname: svc-${s}\nenvironments: [staging, production]\n`)
  }
  const perFile = Math.ceil(groups / files)
  const actions = ['run', 'edit', '[run, edit]', 'delete']
  for (let f = 0; f < files; f++) {
    const team = `team-${String(f).padStart(3, '0')}`
    const lines = [`# yaml-language-server: $schema=../../schemas/access.schema.json`]
    for (let g = f * perFile; g < Math.min(groups, (f + 1) * perFile); g++) {
      const service = `svc-${g % services}`
      lines.push('---', 'kind: Group', `name: Group ${g}`, `description: Generated group ${g} of ${team}.`, 'source:', '  scim:', `    connection: ${g % 3 === 0 ? 'entra' : 'okta'}`, `    displayName: idp-group-${g}`)
      lines.push(`roles: [Role ${g % roles}]`, 'serviceRoles:', `  - service: ${service}`, `    role: ${g % 2 === 0 ? 'maintainer' : 'viewer'}`, 'grants:')
      for (let k = 0; k < grantsPerGroup; k++) {
        lines.push(`  - action: ${actions[k % actions.length]}`, `    resource: journey:${service}/flow-${k}-*`)
        if (k % 2 === 1) lines.push('    env: [staging]')
      }
    }
    await mkdir(join(dir, 'teams', team), { recursive: true })
    await writeFile(join(dir, 'teams', team, 'groups.yaml'), `${lines.join('\n')}\n`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'bench-out/org', groups, grantsPerGroup, files] = process.argv.slice(2)
  await generateOrg(dir, {
    groups: groups === undefined ? undefined : Number(groups),
    grantsPerGroup: grantsPerGroup === undefined ? undefined : Number(grantsPerGroup),
    files: files === undefined ? undefined : Number(files),
  })
  console.log(`generated ${dir}`)
}
