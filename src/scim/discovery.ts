// Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, Schemas, ResourceTypes. No authentication.
import { ScimError } from '../errors.js'
import type { Route } from '../http/pipeline.js'
import type { JsonObject } from '../store/store.js'
import { baseUrl, listBody, maxBodyBytes, maxResults, scimJson } from './http.js'
import { allSchemas, groupType, userType, type ResourceType, type SchemaDef } from './schemas.js'

function schemaResource(schema: SchemaDef, base: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: JSON.parse(JSON.stringify(schema.attributes)) as JsonObject[],
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
  }
}

function resourceTypeResource(type: ResourceType, base: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.core.description,
    schema: type.core.id,
    schemaExtensions: type.extensions.map((extension) => ({ schema: extension.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.name}` },
  }
}

export function serviceProviderConfig(base: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/rolecall/rolecall',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: maxBodyBytes },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A rolecall SCIM token (rcs_…) issued per connection with `rolecall token create`.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  }
}

/** The discovery routes (below /scim/v2); they take no token (RFC 7644 §4). */
export function discoveryRoutes(): Route[] {
  const types = [userType, groupType]
  return [
    { method: 'GET', path: '/ServiceProviderConfig', handle: (exchange) => scimJson(serviceProviderConfig(baseUrl(exchange))) },
    {
      method: 'GET',
      path: '/Schemas',
      handle: (exchange) => {
        const base = baseUrl(exchange)
        return scimJson(listBody(allSchemas.length, 1, allSchemas.map((schema) => schemaResource(schema, base))))
      },
    },
    {
      method: 'GET',
      path: '/Schemas/:id',
      handle: (exchange) => {
        const id = exchange.param('id').toLowerCase()
        const schema = allSchemas.find((candidate) => candidate.id.toLowerCase() === id)
        if (schema === undefined) throw new ScimError(404, undefined, `no schema ${exchange.param('id')}`)
        return scimJson(schemaResource(schema, baseUrl(exchange)))
      },
    },
    {
      method: 'GET',
      path: '/ResourceTypes',
      handle: (exchange) => {
        const base = baseUrl(exchange)
        return scimJson(listBody(types.length, 1, types.map((type) => resourceTypeResource(type, base))))
      },
    },
    {
      method: 'GET',
      path: '/ResourceTypes/:name',
      handle: (exchange) => {
        const name = exchange.param('name').toLowerCase()
        const type = types.find((candidate) => candidate.name.toLowerCase() === name)
        if (type === undefined) throw new ScimError(404, undefined, `no resource type ${exchange.param('name')}`)
        return scimJson(resourceTypeResource(type, baseUrl(exchange)))
      },
    },
  ]
}
