// Cursor pagination: the cursor is the opaque, URL-safe encoding of the last item's id.
import { z } from "zod";
import { isUuid } from "./validation.js";

export function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, "base64url").toString("utf8");
}

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // A cursor this API did not hand out is a 400, not a query the database rejects.
  cursor: z
    .string()
    .min(1)
    .refine((cursor) => isUuid(decodeCursor(cursor)), "not a cursor returned by this API")
    .optional(),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells whether there is more. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
