// The MySQL/MariaDB product repository (Kysely). MySQL has no RETURNING: the app picks the id of
// a new row and reads rows back by id.
import { randomUUID } from "node:crypto";
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

export class MysqlProductRepository implements ProductRepository {
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
    const id = randomUUID();
    await this.db
      .insertInto("products")
      .values({ id, name: data.name, price_cents: data.priceCents, owner_id: data.ownerId })
      .execute();
    const created = await this.findById(id);
    if (!created) throw new Error(`product ${id} vanished after its insert`);
    return created;
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    if (patch.name !== undefined || patch.priceCents !== undefined) {
      await this.db
        .updateTable("products")
        .set({ name: patch.name, price_cents: patch.priceCents })
        .where("id", "=", id)
        .execute();
    }
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("products").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async ping(): Promise<void> {
    await pingDatabase(this.db);
  }
}
