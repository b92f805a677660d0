// The PostgreSQL product repository (Kysely).
import { KyselyProductReads, toProduct } from "../kysely/product-reads.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";

export class PostgresProductRepository extends KyselyProductReads implements ProductRepository {
  async create(data: CreateProduct & { ownerId: string | null }): Promise<Product> {
    const row = await this.db
      .insertInto("products")
      .values({ name: data.name, price_cents: data.priceCents, owner_id: data.ownerId })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toProduct(row);
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    if (patch.name === undefined && patch.priceCents === undefined) return this.findById(id);
    const row = await this.db
      .updateTable("products")
      .set({ name: patch.name, price_cents: patch.priceCents })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirst();
    return row && toProduct(row);
  }
}
