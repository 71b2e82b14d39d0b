// JSON values as the store keeps them: SCIM documents, audit details, apply summaries.
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject
export type JsonObject = { [key: string]: JsonValue }
