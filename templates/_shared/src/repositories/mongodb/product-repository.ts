// The MongoDB product repository (the official driver). Ids are UUID strings in `_id`, so the
// cursor of a page is the last id, as with the SQL repositories.
import { randomUUID } from "node:crypto";
import type { Collection, Db } from "mongodb";
import { pingMongo } from "../../db/mongodb.js";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";

/** A document of the `products` collection (validator: migrations/0001_products.up.json). */
export interface ProductDocument {
  _id: string;
  name: string;
  priceCents: number;
  ownerId: string | null;
  createdAt: Date;
}

function toProduct(doc: ProductDocument): Product {
  return { id: doc._id, name: doc.name, priceCents: doc.priceCents, ownerId: doc.ownerId, createdAt: doc.createdAt };
}

export class MongoProductRepository implements ProductRepository {
  private readonly products: Collection<ProductDocument>;

  constructor(private readonly db: Db) {
    this.products = db.collection<ProductDocument>("products");
  }

  async list(limit: number, afterId?: string): Promise<Product[]> {
    const filter = afterId === undefined ? {} : { _id: { $gt: afterId } };
    const docs = await this.products.find(filter).sort({ _id: 1 }).limit(limit).toArray();
    return docs.map(toProduct);
  }

  async findById(id: string): Promise<Product | undefined> {
    const doc = await this.products.findOne({ _id: id });
    return doc ? toProduct(doc) : undefined;
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    return (await this.products.find({ _id: { $in: [...ids] } }).toArray()).map(toProduct);
  }

  async create(data: CreateProduct & { ownerId: string | null }): Promise<Product> {
    const doc: ProductDocument = {
      _id: randomUUID(),
      name: data.name,
      priceCents: data.priceCents,
      ownerId: data.ownerId,
      createdAt: new Date(),
    };
    await this.products.insertOne(doc);
    return toProduct(doc);
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    const set: Partial<ProductDocument> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.priceCents !== undefined) set.priceCents = patch.priceCents;
    if (Object.keys(set).length === 0) return this.findById(id);
    const doc = await this.products.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: "after" });
    return doc ? toProduct(doc) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.products.deleteOne({ _id: id })).deletedCount > 0;
  }

  async ping(): Promise<void> {
    await pingMongo(this.db);
  }
}
