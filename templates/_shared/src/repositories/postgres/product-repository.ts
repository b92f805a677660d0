// The PostgreSQL product repository (Kysely).
import type { Kysely, Selectable } from "kysely";
import { pingDatabase } from "../../db/database.js";
import type { Database, ProductsTable } from "../../db/database.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";

function toProduct(row: Selectable<ProductsTable>): Product {
  return {
    id: row.id,
    name: row.name,
    priceCents: row.price_cents,
    ownerId: row.owner_id,
    createdAt: row.created_at,
  };
}

export class PostgresProductRepository implements ProductRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(limit: number, afterId?: string): Promise<Product[]> {
    let query = this.db.selectFrom("products").selectAll().orderBy("id").limit(limit);
    if (afterId !== undefined) query = query.where("id", ">", afterId);
    return (await query.execute()).map(toProduct);
  }

  async findById(id: string): Promise<Product | undefined> {
    const row = await this.db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toProduct(row);
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("products").selectAll().where("id", "in", [...ids]).execute();
    return rows.map(toProduct);
  }

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

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("products").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async ping(): Promise<void> {
    await pingDatabase(this.db);
  }
}
