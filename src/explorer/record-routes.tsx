// The explorer's pages of records: groups and services, applied changes, the audit log, and connections (whose
// token forms are the only writes the explorer makes, each audited with the signed-in person as actor).
import { listQuery } from '../scim/http.js'
import { groupType } from '../scim/schemas.js'
import { serviceRolesOf } from '../model/state.js'
import type { Route } from '../http/pipeline.js'
import type { Store } from '../store/store.js'
import { compareStrings } from '../util/compare.js'
import { auditFilterOf, filteredAudit } from './audit-filter.js'
import type { ExplorerAuth } from './auth.js'
import { revisionChanges } from './changes-data.js'
import { pageNumber, personHref } from './components.js'
import type { LiveModel } from './live-model.js'
import { AuditPage, auditPageSize } from './pages/audit.js'
import { ChangesPage, RevisionPage } from './pages/changes.js'
import { ConnectionsPage, type ConnectionView } from './pages/connections.js'
import { GroupPage, GroupsPage, IdpGroupPage, ServicePage, ServicesPage } from './pages/groups.js'
import { NotFoundPage, ProblemPage } from './pages/problem.js'
import { downloadReply, pageReply, redirectReply } from './reply.js'
import { serviceHolders } from './service-holders.js'
import type { Exchange } from '../http/pipeline.js'

export type RecordRouteOptions = { store: Store; auth: ExplorerAuth; model: LiveModel; maxFormBytes: number }

/** Recent SCIM activity shown per connection. */
const activityShown = 10

export function recordRoutes(options: RecordRouteOptions): Route[] {
  const { store, auth, model, maxFormBytes } = options
  const page = (path: string, handle: Route['handle']): Route => ({ method: 'GET', path, guard: auth.signedIn, handle })
  const notFound = () => pageReply(<NotFoundPage />, 404)

  const connectionsPage = async (exchange: Exchange, extra: { created?: Awaited<ReturnType<Store['createToken']>>; notice?: string } = {}, status = 200) => {
    const [names, tokens, activity] = await Promise.all([
      store.listConnections(),
      store.listTokens(),
      filteredAudit(
        (sink) => store.exportAudit(sink),
        auditFilterOf(() => undefined),
      ),
    ])
    const connections: ConnectionView[] = [...names].sort(compareStrings).map((name) => ({
      name,
      tokens: tokens.filter((token) => token.connection === name),
      activity: activity.filter((entry) => entry.connection === name && entry.actor.startsWith('scim:')).slice(0, activityShown),
    }))
    const context = auth.contextOf(exchange)
    const authority = exchange.request.authority ?? 'localhost'
    const scheme = auth.isSecure(exchange) ? 'https' : exchange.request.scheme
    return pageReply(<ConnectionsPage context={context} baseUrl={`${scheme}://${authority}/scim/v2`} connections={connections} mayManage={context.viewer.scopes.includes('tokens')} {...extra} />, status)
  }
  /** A token form's POST: refused unless the session's own form and the session's token carries `tokens`. */
  const tokenForm = (path: string, act: (exchange: Exchange, form: URLSearchParams, actor: string) => Promise<ReturnType<typeof pageReply>>): Route => ({
    method: 'POST',
    path,
    guard: auth.signedIn,
    maxBody: maxFormBytes,
    handle: async (exchange) => {
      const form = new URLSearchParams(exchange.text)
      const context = auth.contextOf(exchange)
      if (!auth.isOwnForm(exchange, form)) return pageReply(<ProblemPage title="Form expired" message="The form was not this session's. Reload the page and try again." context={context} />, 403)
      if (!context.viewer.scopes.includes('tokens')) return pageReply(<ProblemPage title="Not allowed" message="Managing SCIM tokens needs a sign-in token with the tokens scope." context={context} />, 403)
      return act(exchange, form, `explorer:${context.viewer.name}`)
    },
  })

  return [
    page('/groups', async (exchange) => pageReply(<GroupsPage context={auth.contextOf(exchange)} state={(await model.appliedState())?.state} page={pageNumber(exchange.query('page'))} />)),
    page('/groups/:name', async (exchange) => {
      const declared = (await model.appliedState())?.state.groups.get(exchange.param('name'))
      if (declared === undefined) return notFound()
      const scim = declared.doc.source.scim
      let found: { connection: string; id: string; members: NonNullable<Awaited<ReturnType<Store['getGroup']>>>['members'] } | undefined
      if (scim !== undefined) {
        const filter = scim.displayName !== undefined ? `displayName eq ${JSON.stringify(scim.displayName)}` : `externalId eq ${JSON.stringify(scim.externalId ?? '')}`
        const [first] = (await store.listGroups(scim.connection, listQuery(groupType, { filter, count: '1' }), true)).items
        if (first !== undefined) found = { connection: scim.connection, id: first.id, members: first.members }
      }
      return pageReply(<GroupPage context={auth.contextOf(exchange)} group={declared.doc} file={declared.at.file} members={found?.members} idpGroup={found} />)
    }),
    page('/idp-groups/:connection/:id', async (exchange) => {
      const connection = exchange.param('connection')
      const group = await store.getGroup(connection, exchange.param('id'), true)
      if (group === undefined) return notFound()
      const displayName = String(group.doc['displayName'] ?? group.id)
      const state = (await model.appliedState())?.state
      const mappedBy = [...(state?.groups.values() ?? [])]
        .filter(({ doc }) => doc.source.scim?.connection === connection && (doc.source.scim.displayName === displayName || (doc.source.scim.externalId !== undefined && doc.source.scim.externalId === group.doc['externalId'])))
        .map(({ doc }) => doc.name)
      return pageReply(<IdpGroupPage context={auth.contextOf(exchange)} connection={connection} displayName={displayName} members={group.members ?? []} mappedBy={mappedBy} />)
    }),
    // A user record's person page, for lists that know the record (an IdP group's members) and not its userName.
    page('/records/:connection/:id', async (exchange) => {
      const connection = exchange.param('connection')
      const user = await store.getUser(connection, exchange.param('id'), false)
      return user === undefined ? notFound() : redirectReply(personHref(String(user.doc['userName'] ?? ''), connection))
    }),
    page('/services', async (exchange) => pageReply(<ServicesPage context={auth.contextOf(exchange)} state={(await model.appliedState())?.state} />)),
    page('/services/:name', async (exchange) => {
      const name = exchange.param('name')
      const state = (await model.appliedState())?.state
      const declared = state?.services.get(name)
      if (state === undefined || declared === undefined) return notFound()
      const roles = serviceRolesOf(state, declared.doc).map((role) => ({ name: role.name, grants: role.grants.map((grant) => `${typeof grant.action === 'string' ? grant.action : grant.action.join(', ')} ${grant.resource}`) }))
      const holders = serviceHolders(await model.access(), name)
      return pageReply(<ServicePage context={auth.contextOf(exchange)} service={declared.doc} file={declared.at.file} roles={roles} holders={holders} page={pageNumber(exchange.query('page'))} />)
    }),
    page('/changes', async (exchange) => {
      const [revisions, drift] = await Promise.all([store.listAppliedRevisions(), model.drift()])
      return pageReply(<ChangesPage context={auth.contextOf(exchange)} revisions={[...revisions].reverse()} drift={drift} />)
    }),
    page('/changes/:id', async (exchange) => {
      const found = await revisionChanges(store, exchange.param('id'))
      if (found === undefined) return notFound()
      return pageReply(<RevisionPage context={auth.contextOf(exchange)} revision={found.revision} changes={found.changes} access={found.access} />)
    }),
    page('/audit', async (exchange) => {
      const filter = auditFilterOf((name) => exchange.query(name))
      const number = pageNumber(exchange.query('page'))
      const [entries, verdict] = await Promise.all([filteredAudit((sink) => store.exportAudit(sink), filter), model.auditVerdict()])
      const shown = entries.slice((number - 1) * auditPageSize, number * auditPageSize)
      return pageReply(<AuditPage context={auth.contextOf(exchange)} filter={filter} page={number} total={entries.length} entries={shown} verdict={verdict} />)
    }),
    page('/audit.jsonl', async (exchange) => {
      const entries = await filteredAudit(
        (sink) => store.exportAudit(sink),
        auditFilterOf((name) => exchange.query(name)),
      )
      // In log order, as `rolecall audit export` writes them.
      return downloadReply(
        entries
          .reverse()
          .map((entry) => `${JSON.stringify(entry)}\n`)
          .join(''),
        'application/jsonl; charset=UTF-8',
        'rolecall-audit.jsonl',
      )
    }),
    page('/connections', (exchange) => connectionsPage(exchange)),
    tokenForm('/connections/tokens', async (exchange, form, actor) => {
      const connection = form.get('connection') ?? ''
      if (!(await store.listConnections()).includes(connection)) return connectionsPage(exchange, { notice: 'No such connection.' }, 400)
      return connectionsPage(exchange, { created: await store.createToken(connection, actor) })
    }),
    tokenForm('/connections/tokens/:id/revoke', async (exchange, _form, actor) => {
      const id = exchange.param('id')
      const revoked = await store.revokeToken(id, actor)
      return connectionsPage(exchange, { notice: revoked ? `Revoked ${id}. The IdP can no longer use it.` : `${id} was already revoked.` }, revoked ? 200 : 409)
    }),
  ]
}
