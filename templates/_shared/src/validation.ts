// One way to validate input everywhere: Zod schemas, failures become a ValidationError (400).
import { z } from "zod";
import { ValidationError } from "./errors.js";

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  return result.data;
}

/**
 * A string without NUL characters. PostgreSQL's text cannot hold U+0000, so such input is a 400
 * here rather than a database error (500) later. The pattern shows in the OpenAPI document.
 */
export function text() {
  return z.string().regex(/^[^\0]*$/, "must not contain NUL characters");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (the ids of every table): anything else never reaches the database. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
