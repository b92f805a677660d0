// The TypeORM product repository on MongoDB. Ids are UUID strings in `_id`, so the cursor of a
// page is the last id, as with the SQL repositories.
import { randomUUID } from "node:crypto";
import type { MongoRepository } from "typeorm";
import type { TypeormDatabase } from "../../db/typeorm.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";
import { ProductDocument } from "./mongodb-entities.js";

function toProduct(doc: ProductDocument): Product {
  return { id: doc._id, name: doc.name, priceCents: doc.priceCents, ownerId: doc.ownerId, createdAt: doc.createdAt };
}

export class TypeormMongoProductRepository implements ProductRepository {
  constructor(private readonly db: TypeormDatabase) {}

  private async products(): Promise<MongoRepository<ProductDocument>> {
    return (await this.db.source()).getMongoRepository(ProductDocument);
  }

  async list(limit: number, afterId?: string): Promise<Product[]> {
    const docs = await (await this.products()).find({
      where: afterId === undefined ? {} : { _id: { $gt: afterId } },
      order: { _id: "ASC" },
      take: limit,
    });
    return docs.map(toProduct);
  }

  async findById(id: string): Promise<Product | undefined> {
    const doc = await (await this.products()).findOneBy({ _id: id });
    return doc ? toProduct(doc) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    return (await (await this.products()).findBy({ _id: { $in: [...ids] } })).map(toProduct);
  }

  async create(data: CreateProduct & { ownerId: string | null }): Promise<Product> {
    const doc: ProductDocument = {
      _id: randomUUID(),
      name: data.name,
      priceCents: data.priceCents,
      ownerId: data.ownerId,
      createdAt: new Date(),
    };
    await (await this.products()).insertOne(doc);
    return toProduct(doc);
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    const set: Partial<ProductDocument> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.priceCents !== undefined) set.priceCents = patch.priceCents;
    if (Object.keys(set).length === 0) return this.findById(id);
    const doc = await (await this.products()).findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: "after" });
    return doc ? toProduct(doc as ProductDocument) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await (await this.products()).deleteOne({ _id: id })).deletedCount > 0;
  }

  async ping(): Promise<void> {
    await (await this.db.source()).mongoManager.mongoQueryRunner.databaseConnection.db().command({ ping: 1 });
  }
}
