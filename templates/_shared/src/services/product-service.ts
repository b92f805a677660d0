// Product use cases: pagination, ownership rules and cache-aside reads.
import type { Cache } from "../cache/cache.js";
import type { CreateProduct, Product, UpdateProduct } from "../domain/product.js";
import { ForbiddenError, NotFoundError } from "../errors.js";
import { decodeCursor, toPage } from "../pagination.js";
import type { Page, PageQuery } from "../pagination.js";
import type { ProductRepository } from "../repositories/product-repository.js";
import { isUuid } from "../validation.js";

/** Who is acting: an authenticated user, or undefined when the project has no authentication. */
export interface Actor {
  id: string;
  role: "user" | "admin";
}

export class ProductService {
  constructor(
    private readonly products: ProductRepository,
    private readonly cache: Cache,
    private readonly cacheTtlSeconds = 60,
  ) {}

  async list(query: PageQuery): Promise<Page<Product>> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.products.list(query.limit + 1, after);
    return toPage(rows, query.limit);
  }

  async get(id: string): Promise<Product> {
    if (!isUuid(id)) throw new NotFoundError("product");
    const cached = await this.cache.get(cacheKey(id));
    if (cached !== undefined) {
      const p = JSON.parse(cached) as Product & { createdAt: string };
      return { ...p, createdAt: new Date(p.createdAt) };
    }
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundError("product");
    await this.cache.set(cacheKey(id), JSON.stringify(product), this.cacheTtlSeconds);
    return product;
  }

  /** Batch lookup for DataLoader: one repository call for many ids, in the order asked. */
  async getMany(ids: readonly string[]): Promise<(Product | undefined)[]> {
    const rows = await this.products.findByIds(ids.filter((id) => isUuid(id)));
    const byId = new Map(rows.map((p) => [p.id, p]));
    return ids.map((id) => byId.get(id));
  }

  async create(input: CreateProduct, actor?: Actor): Promise<Product> {
    return this.products.create({ ...input, ownerId: actor?.id ?? null });
  }

  async update(id: string, patch: UpdateProduct, actor?: Actor): Promise<Product> {
    const current = await this.get(id);
    assertMayChange(current, actor);
    const updated = await this.products.update(id, patch);
    if (!updated) throw new NotFoundError("product");
    await this.cache.delete(cacheKey(id));
    return updated;
  }

  async delete(id: string, actor?: Actor): Promise<void> {
    const current = await this.get(id);
    assertMayChange(current, actor);
    await this.products.delete(id);
    await this.cache.delete(cacheKey(id));
  }
}

function cacheKey(id: string): string {
  return `product:${id}`;
}

/** Owners and admins may change a product; without authentication anyone may. */
function assertMayChange(product: Product, actor?: Actor): void {
  if (actor && actor.role !== "admin" && product.ownerId !== actor.id) {
    throw new ForbiddenError("only the owner or an admin may change this product");
  }
}
