import { MemoryCache } from "../src/cache/cache";
import { ForbiddenError, NotFoundError } from "../src/errors";
import { MemoryProductRepository } from "../src/repositories/memory/product-repository";
import { ProductService } from "../src/services/product-service";

describe("ProductService", () => {
  it("pages through products with a cursor", async () => {
    const service = new ProductService(new MemoryProductRepository(), new MemoryCache());
    for (const name of ["a", "b", "c", "d", "e"]) await service.create({ name, priceCents: 100 });
    const first = await service.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await service.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await service.list({ limit: 2, cursor: second.nextCursor ?? undefined });
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((p) => p.id);
    expect(new Set(ids).size).toBe(5);
  });

  it("serves repeated reads from the cache", async () => {
    const repository = new MemoryProductRepository();
    const service = new ProductService(repository, new MemoryCache());
    const created = await service.create({ name: "cached", priceCents: 1 });
    const spy = jest.spyOn(repository, "findById");
    await service.get(created.id);
    await service.get(created.id);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("lets only owners and admins change a product", async () => {
    const service = new ProductService(new MemoryProductRepository(), new MemoryCache());
    const owner = { id: "00000000-0000-4000-8000-000000000001", role: "user" as const };
    const other = { id: "00000000-0000-4000-8000-000000000002", role: "user" as const };
    const admin = { id: "00000000-0000-4000-8000-000000000003", role: "admin" as const };
    const product = await service.create({ name: "mine", priceCents: 1 }, owner);
    await expect(service.update(product.id, { priceCents: 2 }, other)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.update(product.id, { priceCents: 3 }, owner)).resolves.toMatchObject({ priceCents: 3 });
    await service.delete(product.id, admin);
    await expect(service.get(product.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("batches lookups in the order asked", async () => {
    const service = new ProductService(new MemoryProductRepository(), new MemoryCache());
    const a = await service.create({ name: "a", priceCents: 1 });
    const b = await service.create({ name: "b", priceCents: 1 });
    const found = await service.getMany([b.id, "missing", a.id]);
    expect(found.map((p) => p?.name)).toEqual(["b", undefined, "a"]);
  });
});
