// An in-memory product repository: the default without PostgreSQL, and the unit tests' fake.
import { randomUUID } from "node:crypto";
import type { CreateProduct, Product, UpdateProduct } from "../../domain/product.js";
import type { ProductRepository } from "../product-repository.js";

export class MemoryProductRepository implements ProductRepository {
  private readonly rows = new Map<string, Product>();

  async list(limit: number, afterId?: string): Promise<Product[]> {
    return [...this.rows.values()]
      .filter((p) => afterId === undefined || p.id > afterId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async findById(id: string): Promise<Product | undefined> {
    return this.rows.get(id);
  }

  async findByIds(ids: readonly string[]): Promise<Product[]> {
    return ids.flatMap((id) => this.rows.get(id) ?? []);
  }

  async create(data: CreateProduct & { ownerId: string | null }): Promise<Product> {
    const product: Product = { id: randomUUID(), ...data, createdAt: new Date() };
    this.rows.set(product.id, product);
    return product;
  }

  async update(id: string, patch: UpdateProduct): Promise<Product | undefined> {
    const current = this.rows.get(id);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    this.rows.set(id, next);
    return next;
  }

  async delete(id: string): Promise<boolean> {
    return this.rows.delete(id);
  }

  async ping(): Promise<void> {}
}
