// Groups and services: a Group's source and what it carries, an IdP group's members, a service's roles, team and holders.
import type { FC } from 'hono/jsx'
import type { DesiredState } from '../../model/state.js'
import type { Group, Service } from '../../schema/types.js'
import type { MemberRef } from '../../store/store.js'
import { Pager, Table, personHref, queryOf } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

function sourceText(group: Group): string {
  const scim = group.source.scim
  if (scim !== undefined) return `${scim.connection} IdP group ${scim.displayName === undefined ? `with externalId “${scim.externalId ?? ''}”` : `“${scim.displayName}”`}`
  return 'members listed in the file'
}

function grantText(grant: { action: string | readonly string[]; resource: string; env?: readonly string[] }): string {
  return `${typeof grant.action === 'string' ? grant.action : grant.action.join(', ')} ${grant.resource}${grant.env === undefined ? '' : ` in ${grant.env.join(', ')}`}`
}

/** Rows on one page of the Groups list and of a service's holders. */
export const groupsPageSize = 100

export const GroupsPage: FC<{ context: PageContext; state: DesiredState | undefined; page: number }> = ({ context, state, page }) => {
  if (state === undefined)
    return (
      <Layout title="Groups" context={context} current="/groups">
        <p>Nothing has been applied yet.</p>
      </Layout>
    )
  const groups = [...state.groups.values()]
  return (
    <Layout title="Groups" context={context} current="/groups">
      <Table headers={['Group', 'Members from', 'Roles', 'Service roles', 'Declared in']}>
        {groups.slice((page - 1) * groupsPageSize, page * groupsPageSize).map(({ doc, at }) => (
          <tr>
            <td>
              <a href={`/groups/${encodeURIComponent(doc.name)}`}>{doc.name}</a>
            </td>
            <td>{sourceText(doc)}</td>
            <td>{(doc.roles ?? []).join(', ')}</td>
            <td>{(doc.serviceRoles ?? []).map((ref) => `${ref.service} ${ref.role}`).join(', ')}</td>
            <td>
              <code>{at.file}</code>
            </td>
          </tr>
        ))}
      </Table>
      <Pager page={page} pageSize={groupsPageSize} total={groups.length} hrefOf={(number) => `/groups${queryOf({ page: number })}`} />
    </Layout>
  )
}

export const GroupPage: FC<{ context: PageContext; group: Group; file: string; members: readonly MemberRef[] | undefined; idpGroup: { connection: string; id: string } | undefined }> = ({ context, group, file, members, idpGroup }) => (
  <Layout title={`Group ${group.name}`} context={context} current="/groups">
    <p>
      Declared in <code>{file}</code>. {group.description ?? ''}
    </p>
    <h2>Members</h2>
    <p>
      From {sourceText(group)}
      {idpGroup === undefined ? '' : ' '}
      {idpGroup === undefined ? null : <a href={`/idp-groups/${encodeURIComponent(idpGroup.connection)}/${encodeURIComponent(idpGroup.id)}`}>(the IdP group)</a>}.
    </p>
    {group.source.members === undefined ? null : (
      <ul>
        {[...(group.source.members.users ?? []), ...(group.source.members.groups ?? []).map((name) => `group ${name}`)].map((member) => (
          <li>{member}</li>
        ))}
      </ul>
    )}
    {members === undefined ? null : members.length === 0 ? <p>The IdP group has no members.</p> : <p>{String(members.length)} members provisioned.</p>}
    <h2>What it carries</h2>
    <ul>
      {(group.roles ?? []).map((role) => (
        <li>role {role}</li>
      ))}
      {(group.serviceRoles ?? []).map((ref) => (
        <li>
          <a href={`/services/${encodeURIComponent(ref.service)}`}>{ref.service}</a> role {ref.role}
        </li>
      ))}
      {(group.grants ?? []).map((grant) => (
        <li>grant {grantText(grant)}</li>
      ))}
    </ul>
  </Layout>
)

export const IdpGroupPage: FC<{ context: PageContext; connection: string; displayName: string; members: readonly MemberRef[]; mappedBy: readonly string[] }> = ({ context, connection, displayName, members, mappedBy }) => (
  <Layout title={`IdP group ${displayName}`} context={context} current="/groups">
    <p>
      Provisioned by <strong>{connection}</strong>. {mappedBy.length === 0 ? 'No Group maps it: it grants nothing.' : 'Mapped by: '}
      {mappedBy.map((name, index) => (
        <>
          {index === 0 ? '' : ', '}
          <a href={`/groups/${encodeURIComponent(name)}`}>{name}</a>
        </>
      ))}
    </p>
    <h2>Members ({String(members.length)})</h2>
    <ul>
      {members.map((member) => (
        <li>
          <a href={`/records/${encodeURIComponent(connection)}/${encodeURIComponent(member.value)}`}>{member.display ?? member.value}</a>
        </li>
      ))}
    </ul>
  </Layout>
)

export const ServicesPage: FC<{ context: PageContext; state: DesiredState | undefined }> = ({ context, state }) => (
  <Layout title="Services" context={context} current="/services">
    {state === undefined ? (
      <p>Nothing has been applied yet.</p>
    ) : (
      <ul>
        {[...state.services.values()].map(({ doc }) => (
          <li>
            <a href={`/services/${encodeURIComponent(doc.name)}`}>{doc.name}</a>
            {doc.team === undefined ? '' : `: team ${doc.team.group ?? ''}`}
          </li>
        ))}
      </ul>
    )}
  </Layout>
)

export const ServicePage: FC<{ context: PageContext; service: Service; file: string; roles: readonly { name: string; grants: readonly string[] }[]; holders: readonly { user: string; roles: readonly string[] }[]; page: number }> = ({
  context,
  service,
  file,
  roles,
  holders,
  page,
}) => (
  <Layout title={`Service ${service.name}`} context={context} current="/services">
    <p>
      Declared in <code>{file}</code>. Environments: {(service.environments ?? []).join(', ') || 'all'}.
    </p>
    <h2>Team</h2>
    <p>{service.team === undefined ? 'No team.' : `Group ${service.team.group ?? ''} as ${service.team.role ?? 'maintainer'}`}</p>
    <h2>Roles</h2>
    {roles.map((role) => (
      <>
        <h3>{role.name}</h3>
        <ul>
          {role.grants.map((grant) => (
            <li>{grant}</li>
          ))}
        </ul>
      </>
    ))}
    <h2>Holders ({String(holders.length)})</h2>
    <ul>
      {holders.slice((page - 1) * groupsPageSize, page * groupsPageSize).map((holder) => (
        <li>
          <a href={personHref(holder.user)}>{holder.user}</a>: {holder.roles.join(', ')}
        </li>
      ))}
    </ul>
    <Pager page={page} pageSize={groupsPageSize} total={holders.length} hrefOf={(number) => `/services/${encodeURIComponent(service.name)}${queryOf({ page: number })}`} />
  </Layout>
)
