// The product resource: its shape and the validation of what clients send.
import { z } from "zod";
import { nonBlankText } from "../validation.js";

export interface Product {
  id: string;
  name: string;
  priceCents: number;
  ownerId: string | null;
  createdAt: Date;
}

/** The largest price: the range of the `products.price_cents` integer column (and of GraphQL's Int). */
export const MAX_PRICE_CENTS = 2_147_483_647;

export const createProductSchema = z.object({
  name: nonBlankText(200),
  priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
});

export const updateProductSchema = createProductSchema.partial();

export type CreateProduct = z.infer<typeof createProductSchema>;
export type UpdateProduct = z.infer<typeof updateProductSchema>;

/** The JSON representation of a product. */
export function productJson(p: Product) {
  return {
    id: p.id,
    name: p.name,
    priceCents: p.priceCents,
    ownerId: p.ownerId,
    createdAt: p.createdAt.toISOString(),
  };
}
