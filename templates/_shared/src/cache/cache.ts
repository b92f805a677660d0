// The cache used by cache-aside reads. Without Redis nothing is cached.

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A cache that stores nothing. */
export class NoCache implements Cache {
  async get(): Promise<string | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async delete(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** An in-process cache (tests, single-instance development). */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.value;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
