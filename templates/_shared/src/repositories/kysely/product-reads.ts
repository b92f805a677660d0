// What the Kysely product repositories share whatever the SQL engine: the row mapping and the
// queries that read or delete. Each engine's repository adds the writes that need its dialect.
import type { Kysely, Selectable } from "kysely";
import { pingDatabase } from "../../db/database.js";
import type { Database, ProductsTable } from "../../db/database.js";
import type { Product } from "../../domain/product.js";

export function toProduct(row: Selectable<ProductsTable>): Product {
  return {
    id: row.id,
    name: row.name,
    priceCents: row.price_cents,
    ownerId: row.owner_id,
    createdAt: row.created_at,
  };
}

export abstract class KyselyProductReads {
  constructor(protected readonly db: Kysely<Database>) {}

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

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom("products").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async ping(): Promise<void> {
    await pingDatabase(this.db);
  }
}
