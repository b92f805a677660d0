// Integration tests of the Redis cache-aside store against a real Redis. They run only when
// REDIS_URL is set; every key lives under a random prefix and is deleted afterwards.
import { randomBytes } from "node:crypto";
import { RedisCache } from "../src/cache/redis-cache.js";

const url = process.env.REDIS_URL;
const describeWithRedis = url ? describe : describe.skip;

describeWithRedis("Redis cache", () => {
  const prefix = `it:${randomBytes(6).toString("hex")}:`;
  let cache: RedisCache;

  beforeAll(() => {
    cache = new RedisCache(url as string);
  });

  afterAll(async () => {
    await cache?.delete(`${prefix}product`);
    await cache?.close();
  });

  it("answers a ping", async () => {
    await expect(cache.ping()).resolves.toBeUndefined();
  });

  it("stores, reads and deletes a value", async () => {
    await cache.set(`${prefix}product`, '{"id":1}', 60);
    await expect(cache.get(`${prefix}product`)).resolves.toBe('{"id":1}');
    await cache.delete(`${prefix}product`);
    await expect(cache.get(`${prefix}product`)).resolves.toBeUndefined();
  });

  it("misses a key it never stored", async () => {
    await expect(cache.get(`${prefix}missing`)).resolves.toBeUndefined();
  });
});
