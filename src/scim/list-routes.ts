// The two ways to ask for a page of a resource type: GET with a query (RFC 7644 §3.4.2) and POST /.search with a
// SearchRequest body (§3.4.3), read into the same list parameters and projection for the type's list handler.
import type { HttpReply } from '../http/exchange.js'
import type { Exchange, Route } from '../http/pipeline.js'
import { readBody, type ListParams } from './http.js'
import { parseProjection, type Projection } from './projection.js'
import type { ResourceType } from './schemas.js'
import { searchParams } from './search.js'

export type ListHandler = (exchange: Exchange, params: ListParams, projection: Projection) => Promise<HttpReply>

export function listRoutes(type: ResourceType, list: ListHandler, maxBody: number): Route[] {
  return [
    {
      method: 'POST',
      path: '/.search',
      maxBody,
      handle: (exchange) => {
        const search = searchParams(readBody(exchange))
        return list(exchange, search.params, parseProjection(type, search.attributes, search.excludedAttributes))
      },
    },
    {
      method: 'GET',
      path: '',
      handle: (exchange) => {
        const params = exchange.queries()
        return list(exchange, params, parseProjection(type, params['attributes'], params['excludedAttributes']))
      },
    },
  ]
}
