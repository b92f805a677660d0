// The one error handler: typed AppErrors keep their message and get their code as
// `extensions.code` (BAD_USER_INPUT for a validation error); GraphQL's own errors (syntax, validation) pass through; anything else is an
// opaque internal error.
import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { AppError, ValidationError } from "../errors.js";
import type { Logger } from "../logger.js";

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      // An argument the Zod schemas refuse gets Apollo Server's code for it, as a bad variable does.
      const code = original instanceof ValidationError ? "BAD_USER_INPUT" : original.code;
      return {
        message: original.message,
        path: formatted.path,
        extensions: { code, status: original.status, details: original.details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && code !== "INTERNAL_SERVER_ERROR") return formatted;
    logger.error({ err: original }, "unhandled error");
    return { message: "internal server error", path: formatted.path, extensions: { code: "internal" } };
  };
}
