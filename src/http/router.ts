// Finds the route for a path: `/scim/v2/Users/:id` style patterns, one segment per parameter, a literal segment
// preferred over a parameter (`/Users/.search` before `/Users/:id`), and a final `*` for everything below a path
// (`/Me/*`), tried last. Hono's RegExpRouter refuses that pair of patterns
// (UnsupportedPathError), and its TrieRouter matches them markedly slower; a walk over a few dozen segments does not.

type Found<T> = { pattern: string; value: T }
type Node<T> = { literals: Map<string, Node<T>>; param?: { name: string; node: Node<T> }; rest?: Found<T>; value?: Found<T> }

/** A matched route: its pattern, its value, and its parameters as sent (percent-escapes kept). */
export type RouteMatch<T> = { pattern: string; value: T; params: Record<string, string> }

function newNode<T>(): Node<T> {
  return { literals: new Map() }
}

export class PathRouter<T> {
  readonly #root: Node<T> = newNode()

  /** Adds `pattern`; a second value for the same pattern, or two parameter names at one place, is a programming error. */
  add(pattern: string, value: T): void {
    let node = this.#root
    const segments = pattern.split('/').slice(1)
    if (segments.at(-1) === '*') {
      segments.pop()
      for (const segment of segments) node = literalChild(node, segment)
      if (node.rest !== undefined) throw new Error(`${pattern} is added twice`)
      node.rest = { pattern, value }
      return
    }
    for (const segment of segments) {
      if (segment.startsWith(':')) {
        const name = segment.slice(1)
        if (node.param !== undefined && node.param.name !== name) throw new Error(`${pattern}: parameter :${name} where :${node.param.name} is`)
        node.param ??= { name, node: newNode() }
        node = node.param.node
      } else {
        node = literalChild(node, segment)
      }
    }
    if (node.value !== undefined) throw new Error(`${pattern} is added twice`)
    node.value = { pattern, value }
  }

  /** The route whose pattern matches the whole path, or undefined. An empty segment matches no parameter. */
  match(path: string): RouteMatch<T> | undefined {
    if (!path.startsWith('/')) return undefined
    const segments = path.split('/')
    const params: Record<string, string> = {}
    const found = walk(this.#root, segments, 1, params)
    return found === undefined ? undefined : { pattern: found.pattern, value: found.value, params }
  }
}

function literalChild<T>(node: Node<T>, segment: string): Node<T> {
  let next = node.literals.get(segment)
  if (next === undefined) node.literals.set(segment, (next = newNode()))
  return next
}

function walk<T>(node: Node<T>, segments: string[], index: number, params: Record<string, string>): Found<T> | undefined {
  if (index === segments.length) return node.value ?? node.rest
  const segment = segments[index] as string
  const literal = node.literals.get(segment)
  if (literal !== undefined) {
    const found = walk(literal, segments, index + 1, params)
    if (found !== undefined) return found
  }
  if (node.param !== undefined && segment !== '') {
    const found = walk(node.param.node, segments, index + 1, params)
    if (found !== undefined) {
      params[node.param.name] = segment
      return found
    }
  }
  return node.rest
}
