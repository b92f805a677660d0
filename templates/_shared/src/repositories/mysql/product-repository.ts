// The MySQL/MariaDB product repository (Kysely). MySQL has no RETURNING: the app picks the id of
// a new row and reads rows back by id.
import { randomUUID } from "node:crypto";
import { KyselyProductReads } from "../kysely/product-reads.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";

export class MysqlProductRepository extends KyselyProductReads implements ProductRepository {
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
}
