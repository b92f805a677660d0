// Counts the reads of another cache by result, for the cache hit ratio of /metrics.
import type { Counter } from "prom-client";
import type { Cache } from "./cache.js";

export class MeteredCache implements Cache {
  constructor(
    private readonly inner: Cache,
    private readonly lookups: Counter<"result">,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.inner.get(key);
    this.lookups.inc({ result: value === undefined ? "miss" : "hit" });
    return value;
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.inner.set(key, value, ttlSeconds);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
