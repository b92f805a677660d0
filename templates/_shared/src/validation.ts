// One way to validate input everywhere: Zod schemas, failures become a ValidationError (400).
import type { z } from "zod";
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
