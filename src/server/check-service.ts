// Answers access questions for the check API from the applied state and the live directory.
//
// Each user's effective access is computed once (UserAccessCompiler: one lookup per IdP group they are in) and
// kept until something that could change it is committed. The store's feed tells which users each write touched,
// this process's at once and other processes' within its delay; a write the feed names nobody for (or one it has
// not told by the next look at the store revision) empties the cache.
// With `warm`, every user of the directory is computed in the background after start and after the cache is
// emptied, in slices that leave the event loop free for requests.
import { CacheCounter, type CacheCounts } from '../util/cache-counts.js'
import { activeBreakGlass } from '../apply/store-base.js'
import { checkIndexed, HoldingIndex, type AccessQuestion, type CheckAnswer, type QuestionError } from '../engine/check.js'
import type { EffectiveAccess } from '../engine/effective.js'
import { resolvePerson, type PersonRef } from '../engine/person.js'
import { namedConnections } from '../engine/question-check.js'
import { membershipsBehind, type Provenance } from '../engine/provenance.js'
import type { Holding } from '../engine/types.js'
import { UserAccessCompiler } from '../engine/user-access.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { AppliedRevision } from '../store/applied.js'
import { readProvenance } from '../store/provenance.js'
import { withoutHolds, holdText } from '../guard/held-directory.js'
import type { Hold } from '../store/holds.js'
import type { AccessChange, Store } from '../store/store.js'

type Compiled = {
  revision: string
  compiler: UserAccessCompiler | undefined
  /** The index of each part partsOf returned (shared parts are the same array each time). */
  indexes: WeakMap<readonly Holding[], HoldingIndex>
}

type Entry = {
  /** The name effective access shows for the user. */
  user: string
  isInactive: boolean
  /** What the user holds, in parts (UserAccessCompiler.partsOf), each indexed; most are shared with other users. */
  indexes: readonly HoldingIndex[]
  revision: string | null
  /** Valid for questions at times in [from, until): computed at `from`; `until` is the first expiry among its holdings. */
  from: number
  until: number
  /** The user's directory record ids, to find the entry when the store names a record. */
  recordIds: readonly string[]
  /** Holds in force on the person's records, each with what the person would hold were it released. */
  held: readonly HeldEntry[]
}

type HeldEntry = { hold: Hold; isInactive: boolean; indexes: readonly HoldingIndex[] }

/** A hold that keeps a check from being allowed, as the answer names it. */
export type HeldAnswer = { id: string; status: Hold['status']; since: string; trigger: Hold['trigger']; connection: string; group?: string; risk: Hold['risk'] }

export type CheckStatus = { cachedUsers: number; isWarming: boolean }

/** How long a check that asks for a store revision this process has not heard of waits for the feed, before reading the store afresh. */
export const atLeastWaitMs = 250

export type CheckServiceOptions = {
  /** Compute every user's access in the background after `start()` and whenever the cache is emptied. */
  warm?: boolean
  /**
   * Look at the store revision at most this often, in milliseconds (0: on every request): a revision the feed has
   * not told by the following look empties the cache. Writes the feed tells are seen as soon as it tells them.
   */
  foreignWritesEveryMs?: number
  /** Users kept at most (about 1 KB each at 20 IdP groups per user); warming stops there. Default 500,000. */
  maxUsers?: number
}

const noAccess: EffectiveAccess = { users: new Map(), inactive: new Set() }
/** Milliseconds of warming work between two turns of the event loop. */
const warmSliceMs = 5

export class CheckService {
  private compiled: Compiled | undefined
  private isAppliedStale = true
  private compiling: Promise<void> | undefined
  private readonly entries = new Map<string, Entry>()
  private readonly keyOfRecord = new Map<string, string>()
  /**
   * Where a userName alone does not name a person (several identities), the person a question without a connection
   * names, by lower-case userName: read from the directory once, and forgotten with that userName's entries.
   */
  private readonly personOfName = new Map<string, { key: string }>()
  /** The store revision the cache agrees with; -1 before the first request. */
  private knownRevision = -1
  /** When (performance.now()) the store revision was last read. */
  private revisionReadAt = Number.NEGATIVE_INFINITY
  /** A revision read ahead of the feed: if the feed has not reached it by the next look, the cache is emptied. */
  private untoldRevision: number | undefined
  /** Counts invalidations: a result computed across one is not kept. */
  private epoch = 0
  /** Counts the times the cache was emptied: warming goes round again when it was emptied meanwhile. */
  private clears = 0
  private warming: Promise<void> | undefined
  private isWarmWanted = false
  private isClosed = false
  private readonly stopListening: () => void
  private readonly maxUsers: number
  /** Called when the feed moves knownRevision: checks waiting for a revision look again. */
  private readonly revisionWaiters = new Set<() => void>()
  /** The applied revision provenance names, read once per id. */
  private appliedRecord: { id: string; revision: Promise<AppliedRevision | undefined> } | undefined

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    private readonly options: CheckServiceOptions = {},
  ) {
    this.maxUsers = options.maxUsers ?? 500_000
    this.stopListening = store.onAccessChange((change) => this.onChange(change))
  }

  /** Starts computing every user's access in the background (no-op unless constructed with `warm`). */
  start(): void {
    if (this.options.warm !== true) return
    this.isWarmWanted = true
    this.warm()
  }

  close(): void {
    this.isClosed = true
    this.stopListening()
  }

  status(): CheckStatus {
    return { cachedUsers: this.entries.size, isWarming: this.warming !== undefined }
  }

  /** Questions answered from a cached user (hits), and users computed on demand for one (misses). */
  cacheCounts(): CacheCounts {
    return this.lookups.counts()
  }

  private readonly lookups = new CacheCounter('check_access')
  private onChange(change: AccessChange): void {
    if (change.from !== this.knownRevision || change.all) {
      // A write this process was not told about happened in between (an apply from the CLI, maybe), or anyone's
      // access may have changed: the applied state is read again too. Set before clear(), which may start warming.
      this.isAppliedStale = true
      this.clear()
    } else {
      for (const id of change.userIds) {
        const key = this.keyOfRecord.get(id)
        if (key !== undefined) this.forget(key)
      }
      const identities = this.compiled?.compiler?.identities
      for (const name of change.userNames) {
        this.forget(name)
        this.personOfName.delete(name)
        // The people of that userName in each identity, and the one named without a connection.
        if (identities?.isSeveral === true) for (const key of [...identities.all.map((identity) => `${identity}\u0000${name}`), `\u0000${name}`]) this.forget(key)
      }
      this.epoch++
    }
    this.knownRevision = change.revision
    for (const wake of this.revisionWaiters) wake()
  }

  /** The store's revision as the database has it now. */
  currentStoreRevision(): Promise<number> {
    return this.store.revision()
  }

  /**
   * Whether answers can reflect every write up to store revision `atLeast`: at once when this process heard of it;
   * false when the store itself has not reached it; otherwise after the feed tells it (waiting at most
   * `waitMs`), or, when the feed is late, by emptying the cache so that the next answer reads the store afresh.
   */
  async reach(atLeast: number, waitMs = atLeastWaitMs): Promise<boolean> {
    if (this.knownRevision >= atLeast) return true
    const revision = await this.store.revision()
    if (revision < atLeast) return false
    // Nothing is cached before the first request: the next answer reads the store as it is.
    if (this.knownRevision >= atLeast || this.knownRevision === -1) return true
    await new Promise<void>((resolve) => {
      const wake = () => {
        if (this.knownRevision < atLeast) return
        done()
      }
      const timer = setTimeout(() => done(), waitMs)
      const done = () => {
        clearTimeout(timer)
        this.revisionWaiters.delete(wake)
        resolve()
      }
      this.revisionWaiters.add(wake)
    })
    if (this.knownRevision >= atLeast) return true
    // The store has the revision and the feed has not told it yet: what the cache holds may predate it.
    this.untoldRevision = undefined
    this.knownRevision = Math.max(this.knownRevision, revision)
    this.revisionReadAt = performance.now()
    this.isAppliedStale = true
    this.clear()
    return true
  }

  private forget(key: string): void {
    const entry = this.entries.get(key)
    if (entry === undefined) return
    this.entries.delete(key)
    for (const id of entry.recordIds) this.keyOfRecord.delete(id)
  }

  private clear(): void {
    this.entries.clear()
    this.keyOfRecord.clear()
    this.personOfName.clear()
    this.epoch++
    this.clears++
    if (this.isWarmWanted) this.warm()
  }

  /** Brings the cache up to the store: empties it when the store moved without this process being told. */
  private async sync(): Promise<Compiled | undefined> {
    const readAt = performance.now()
    if (readAt - this.revisionReadAt >= (this.options.foreignWritesEveryMs ?? 0) || this.knownRevision === -1) await this.readRevision(readAt)
    if (this.isAppliedStale) {
      this.isAppliedStale = false
      this.compiling = this.compile().finally(() => {
        this.compiling = undefined
      })
    }
    // Requests that arrive while the applied state is read wait for it rather than answer from the previous one.
    if (this.compiling !== undefined) await this.compiling
    return this.compiled
  }

  private async compile(): Promise<void> {
    const id = await this.store.appliedRevisionId()
    if (id === null) this.compiled = undefined
    else if (this.compiled?.revision !== id) {
      const applied = await this.store.appliedRevision(id)
      const state = applied === undefined ? undefined : stateFromDocuments(applied.documents as StateDocument[], this.clock())
      this.compiled = { revision: id, compiler: state?.catalog === undefined ? undefined : new UserAccessCompiler(state), indexes: new WeakMap() }
      this.clear()
    }
  }

  private async readRevision(readAt: number): Promise<void> {
    this.revisionReadAt = readAt
    const revision = await this.store.revision()
    if (revision <= this.knownRevision) {
      this.untoldRevision = undefined
      return
    }
    // A write committed elsewhere is told by the feed soon; one still untold a look later was missed.
    const isMissed = this.knownRevision === -1 || (this.options.foreignWritesEveryMs ?? 0) === 0 || (this.untoldRevision !== undefined && this.untoldRevision > this.knownRevision)
    if (!isMissed) {
      this.untoldRevision = revision
      return
    }
    this.untoldRevision = undefined
    this.knownRevision = revision
    this.isAppliedStale = true
    this.clear()
  }

  /**
   * The person a question names (see person.ts), as their key, in the applied state's identities; or why the
   * question names nobody in particular. Synchronous where the key needs no look at the directory.
   */
  private personKeyNow(ref: PersonRef): string | undefined {
    const identities = this.compiled?.compiler?.identities
    if (identities !== undefined && ref.connection === undefined && identities.isSeveral) {
      const known = this.personOfName.get(ref.user.toLowerCase())
      return known?.key
    }
    if (identities === undefined) return ref.connection === undefined ? ref.user.toLowerCase() : undefined
    const person = resolvePerson(identities, ref, [])
    return 'error' in person ? undefined : person.key
  }

  /** The person's key, with the applied state it was read from (the cache is brought up to the store first). */
  private async personKeyOf(ref: PersonRef): Promise<{ key: string; compiled: Compiled | undefined } | QuestionError> {
    const compiled = await this.sync()
    const compiler = compiled?.compiler
    if (compiler === undefined) return { key: ref.user.toLowerCase(), compiled }
    const { identities } = compiler
    if (ref.connection !== undefined || !identities.isSeveral) {
      const person = resolvePerson(identities, ref, [])
      return 'error' in person ? person : { key: person.key, compiled }
    }
    const name = ref.user.toLowerCase()
    const known = this.personOfName.get(name)
    if (known !== undefined) return { key: known.key, compiled }
    const epoch = this.epoch
    const found = this.rememberPerson(ref.user, (await this.store.directoryOfUser(name)).users, compiled, compiler, epoch)
    return 'key' in found ? { key: found.key, compiled } : found
  }

  /**
   * Whom the userName `user` alone names, from its records in the directory; kept (not a refusal, which names the
   * userName as asked) unless a write was told of since `epoch` (a write to this userName may have changed whom it
   * names) or the applied state changed.
   */
  private rememberPerson(user: string, records: readonly { connection: string; userName: string }[], compiled: Compiled | undefined, compiler: UserAccessCompiler, epoch: number): { key: string } | QuestionError {
    const person = resolvePerson(compiler.identities, { user }, records, () => namedConnections(compiler.state, user))
    if ('error' in person) return person
    const found = { key: person.key }
    if (this.epoch === epoch && this.compiled === compiled) this.personOfName.set(user.toLowerCase(), found)
    return found
  }

  /** The effective access of `user` at `now` where a userName names one person (an ambiguous one holds nothing here). */
  async accessOf(user: string, now: Date): Promise<{ access: EffectiveAccess; revision: string | null }> {
    const found = await this.accessOfPerson({ user }, now)
    return 'error' in found ? { access: noAccess, revision: null } : found
  }

  /** The effective access of the person `ref` names at `now`, holdings sorted as computeEffectiveAccess sorts them, by their person key. */
  async accessOfPerson(ref: PersonRef, now: Date): Promise<{ access: EffectiveAccess; key: string; revision: string | null } | QuestionError> {
    const person = await this.personKeyOf(ref)
    if ('error' in person) return person
    const { user } = ref
    const { key } = person
    const entry = await this.entryOf(key, user.toLowerCase(), now, person.compiled)
    const holdings = entry.indexes.flatMap((index) => index.holdings)
    const inactive = new Set<string>(entry.isInactive ? [key] : [])
    if (holdings.length === 0) return { access: { users: new Map(), inactive }, key, revision: entry.revision }
    this.compiled?.compiler?.sort(holdings)
    return { access: { users: new Map([[key, { user: entry.user, holdings }]]), inactive }, key, revision: entry.revision }
  }

  /**
   * The cached entry of `user` at `now` when the cache is known to agree with the store (no look for other
   * processes' writes due, no applied state being read); else undefined. Most checks end here, without a promise.
   */
  private freshEntry(ref: PersonRef, now: Date): Entry | undefined {
    if (this.isAppliedStale || this.compiling !== undefined || this.knownRevision === -1) return undefined
    if (performance.now() - this.revisionReadAt >= (this.options.foreignWritesEveryMs ?? 0)) return undefined
    const key = this.personKeyNow(ref)
    if (key === undefined) return undefined
    const cached = this.entries.get(key)
    const at = now.getTime()
    if (cached === undefined || at < cached.from || at >= cached.until) return undefined
    this.lookups.hits++
    return cached
  }

  /** The entry of the person `key`, whose userName is `name` (lower case). */
  private async entryOf(key: string, name: string, now: Date, compiled: Compiled | undefined): Promise<Pick<Entry, 'user' | 'isInactive' | 'indexes' | 'revision' | 'held'>> {
    const at = now.getTime()
    const cached = this.entries.get(key)
    if (cached !== undefined && at >= cached.from && at < cached.until) {
      this.lookups.hits++
      return cached
    }
    if (compiled?.compiler === undefined) return { user: name, isInactive: false, indexes: [], revision: compiled?.revision ?? null, held: [] }
    this.lookups.misses++
    return this.compute(key, name, compiled, compiled.compiler, now)
  }

  private async compute(key: string, name: string, compiled: Compiled, compiler: UserAccessCompiler, now: Date): Promise<Entry> {
    const epoch = this.epoch
    const [directory, breakGlass] = await Promise.all([this.store.directoryOfUser(name), this.store.listBreakGlass()])
    const ownIds = directory.users.filter((record) => compiler.identities.personKey(record.userName, record.connection) === key).map((record) => record.id)
    const holds = await this.store.holdsOfRecords(ownIds)
    const active = activeBreakGlass(breakGlass)
    const indexOf = (part: readonly Holding[]) => {
      let index = compiled.indexes.get(part)
      if (index === undefined) {
        index = new HoldingIndex(part)
        compiled.indexes.set(part, index)
      }
      return index
    }
    // Held access does not count; what each hold keeps out is indexed apart, to name the hold in a denial.
    const effective = withoutHolds(directory, holds)
    const held = compiler.partsOf(key, effective, { now, breakGlass: active })
    const indexes = held.parts.map(indexOf)
    const heldEntries: HeldEntry[] = holds.map((hold) => {
      const released = compiler.partsOf(key, withoutHolds(directory, holds, hold), { now, breakGlass: active })
      return { hold, isInactive: released.isInactive, indexes: released.parts.map(indexOf) }
    })
    const entry: Entry = {
      user: held.user,
      isInactive: held.isInactive,
      indexes,
      revision: compiled.revision,
      from: now.getTime(),
      until: Math.min(Number.POSITIVE_INFINITY, ...indexes.map((index) => index.firstExpiry)),
      // Only the person's own records: a write to another person of the same userName leaves this entry be.
      recordIds: ownIds,
      held: heldEntries,
    }
    // Kept only when nothing was invalidated meanwhile, and only for the present (not a question about another time).
    if (this.epoch === epoch && this.compiled === compiled && Math.abs(now.getTime() - this.clock().getTime()) <= 1000) {
      this.forget(key)
      // Over the limit, the user cached longest ago makes room (a Map iterates in insertion order).
      if (this.entries.size >= this.maxUsers) this.forget(this.entries.keys().next().value ?? '')
      this.entries.set(key, entry)
      for (const id of entry.recordIds) this.keyOfRecord.set(id, key)
    }
    return entry
  }

  /** The answer to `question`; with `provenance`, also where it comes from (two or three more reads of the store). */
  async check(question: AccessQuestion, options?: { provenance?: boolean }): Promise<(CheckAnswer & { revision: string | null; held?: HeldAnswer[]; provenance?: Provenance }) | QuestionError> {
    let entry: Pick<Entry, 'user' | 'isInactive' | 'indexes' | 'revision' | 'held'> | undefined = this.freshEntry(question, question.at)
    if (entry === undefined) {
      const person = await this.personKeyOf(question)
      if ('error' in person) return person
      entry = await this.entryOf(person.key, question.user.toLowerCase(), question.at, person.compiled)
    }
    // The revision the entry agrees with, read before anything else is awaited.
    const storeRevision = Math.max(this.knownRevision, 0)
    const allowing: Holding[] | undefined = options?.provenance === true ? [] : undefined
    const answer = checkIndexed(entry.indexes, entry.isInactive, question, allowing)
    if ('error' in answer) return answer
    const held: HeldAnswer[] = []
    const denials = answer.allowed || entry.held.length === 0 ? answer.denials : [...answer.denials]
    if (!answer.allowed) {
      for (const { hold, isInactive, indexes } of entry.held) {
        const released = checkIndexed(indexes, isInactive, question)
        if ('error' in released || !released.allowed) continue
        held.push({ id: hold.id, status: hold.status, since: hold.createdAt, trigger: hold.trigger, connection: hold.connection, ...(hold.groupName === undefined ? {} : { group: hold.groupName }), risk: hold.risk })
        denials.push(holdText(hold))
      }
    }
    const checked = { allowed: answer.allowed, reasons: answer.reasons, denials, revision: entry.revision, ...(held.length === 0 ? {} : { held }) }
    if (allowing === undefined) return checked
    const provenance = await this.provenanceOf(question, entry.revision, allowing, storeRevision)
    return 'error' in provenance ? provenance : { ...checked, provenance }
  }

  /** Where an answer from `allowing` (the holdings that allow it) comes from, computed at `storeRevision`. */
  private async provenanceOf(question: AccessQuestion, revision: string | null, allowing: readonly Holding[], storeRevision: number): Promise<Provenance | QuestionError> {
    const person = await this.personKeyOf(question)
    if ('error' in person) return person
    const identities = person.compiled?.compiler?.identities
    const name = question.user.toLowerCase()
    const directory = allowing.length === 0 ? undefined : await this.store.directoryOfUser(name)
    const memberships =
      directory === undefined
        ? []
        : membershipsBehind([{ key: person.key, chains: allowing.map((holding) => holding.chain) }], directory, (record) =>
            identities === undefined ? record.userName.toLowerCase() : identities.personKey(record.userName, record.connection),
          )
    if (revision !== null && this.appliedRecord?.id !== revision) {
      const record = { id: revision, revision: this.store.appliedRevision(revision).then((state) => state?.revision) }
      this.appliedRecord = record
      // A failed read is not kept: the next request tries again.
      record.revision.catch(() => {
        if (this.appliedRecord === record) this.appliedRecord = undefined
      })
    }
    const applied = revision === null ? undefined : await this.appliedRecord?.revision
    return readProvenance(this.store, storeRevision, applied, memberships)
  }

  /** Computes every user not yet cached, a slice at a time; goes round again if the cache is emptied meanwhile. */
  private warm(): void {
    if (this.warming !== undefined || this.isClosed) return
    const run = async () => {
      for (let clears = -1; clears !== this.clears && !this.isClosed;) {
        clears = this.clears
        const compiled = await this.sync()
        const compiler = compiled?.compiler
        if (compiled === undefined || compiler === undefined) return
        let sliceStart = performance.now()
        const { identities } = compiler
        for (const name of await this.store.userNameKeys()) {
          if (this.isClosed || this.clears !== clears) break
          if (this.entries.size >= this.maxUsers) break
          // Where a userName alone does not name a person, each person of that userName is computed.
          let keys: Iterable<string> = [identities.personKey(name, undefined)]
          if (identities.isSeveral) {
            const epoch = this.epoch
            const records = (await this.store.directoryOfUser(name)).users
            keys = new Set(records.map((user) => identities.personKey(user.userName, user.connection)))
            // And whom the userName alone names, from the same records, so that a question without a connection
            // needs no look at the store.
            this.rememberPerson(name, records, compiled, compiler, epoch)
          }
          for (const key of keys) if (!this.entries.has(key)) await this.compute(key, name, compiled, compiler, this.clock())
          if (performance.now() - sliceStart > warmSliceMs) {
            await new Promise((resolve) => setImmediate(resolve))
            sliceStart = performance.now()
          }
        }
      }
    }
    this.warming = run()
      .catch(() => undefined)
      .finally(() => {
        this.warming = undefined
      })
  }
}
