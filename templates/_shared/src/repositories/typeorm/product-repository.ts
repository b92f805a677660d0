// The TypeORM product repository (PostgreSQL or MySQL). The app picks the id and the creation
// time of a new row, so an insert needs no RETURNING (which MySQL lacks) and no read back.
import { randomUUID } from "node:crypto";
import { In, MoreThan } from "typeorm";
import type { Repository } from "typeorm";
import type { TypeormDatabase } from "../../db/typeorm.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";
import { ProductEntity } from "./entities.js";

function toProduct(row: ProductEntity): Product {
  return { id: row.id, name: row.name, priceCents: row.priceCents, ownerId: row.ownerId, createdAt: row.createdAt };
}

export class TypeormProductRepository implements ProductRepository {
  constructor(private readonly db: TypeormDatabase) {}

  private async products(): Promise<Repository<ProductEntity>> {
    return (await this.db.source()).getRepository(ProductEntity);
  }

  async list(limit: number, afterId?: string): Promise<Product[]> {
    const rows = await (await this.products()).find({
      where: afterId === undefined ? {} : { id: MoreThan(afterId) },
      order: { id: "ASC" },
      take: limit,
    });
    return rows.map(toProduct);
  }

  async findById(id: string): Promise<Product | undefined> {
    const row = await (await this.products()).findOneBy({ id });
    return row ? toProduct(row) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    return (await (await this.products()).findBy({ id: In([...ids]) })).map(toProduct);
  }

  async create(data: CreateProduct & { ownerId: string | null }): Promise<Product> {
    const row: ProductEntity = {
      id: randomUUID(),
      name: data.name,
      priceCents: data.priceCents,
      ownerId: data.ownerId,
      createdAt: new Date(),
    };
    await (await this.products()).insert(row);
    return toProduct(row);
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    const set: Partial<ProductEntity> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.priceCents !== undefined) set.priceCents = patch.priceCents;
    if (Object.keys(set).length > 0) await (await this.products()).update({ id }, set);
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await (await this.products()).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  async ping(): Promise<void> {
    await (await this.db.source()).query("select 1");
  }
}
