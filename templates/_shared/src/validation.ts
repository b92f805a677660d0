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
  // \u0000 rather than \0: JSON Schema tools (schemathesis) read the pattern as written.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL character is what is refused
  return z.string().regex(/^[^\u0000]*$/, "must not contain NUL characters");
}

/** What `String.prototype.trim` removes: ECMAScript's white space and line terminators. */
const SPACE = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

/**
 * A non-blank string without NUL characters, at most `max` long as sent, then trimmed. One
 * pattern says both in the OpenAPI document, so a client (or a tester) can tell a blank value
 * is refused before sending it; the length is checked before trimming, as the document's
 * `maxLength` says (a padded value one over the limit is refused, not accepted once trimmed).
 */
export function nonBlankText(max: number) {
  return z
    .string()
    .max(max)
    .regex(new RegExp(`^[^\\u0000]*[^\\u0000${SPACE}][^\\u0000]*$`), "must not be blank or contain NUL characters")
    .trim();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (the ids of every table): anything else never reaches the database. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
