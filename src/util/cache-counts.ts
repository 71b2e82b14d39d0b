// How often a cache answered from what it held (a hit) and how often it had to ask (a miss), since it was made.

export type CacheCounts = { cache: string; hits: number; misses: number }

/** A cache's running counts; `counts()` reads them under the cache's name. */
export class CacheCounter {
  hits = 0
  misses = 0
  constructor(readonly cache: string) {}

  counts(): CacheCounts {
    return { cache: this.cache, hits: this.hits, misses: this.misses }
  }
}
