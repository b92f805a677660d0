// The product repository contract. Services depend on this interface, never on a database.
import type { CreateProduct, Product, UpdateProduct } from "../domain/product.js";

export interface ProductRepository {
  /** Up to `limit` products ordered by id, after `afterId` when given. */
  list(limit: number, afterId?: string): Promise<Product[]>;
  findById(id: string): Promise<Product | undefined>;
  /** Batch lookup (DataLoader); the result is in no particular order. */
  findByIds(ids: readonly string[]): Promise<Product[]>;
  create(data: CreateProduct & { ownerId: string | null }): Promise<Product>;
  update(id: string, patch: UpdateProduct): Promise<Product | undefined>;
  delete(id: string): Promise<boolean>;
  /** Cheap connectivity check for `/ready`. */
  ping(): Promise<void>;
}
