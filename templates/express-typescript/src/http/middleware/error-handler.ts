// The one error handler: every error becomes the JSON envelope of src/errors.ts — typed AppErrors
// and Express's own client errors (malformed JSON or URL, a body too large) with their 4xx status,
// anything else an opaque 500.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { toErrorResponse } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { unmatchedRoute } from "../../routes.js";

/** No route answered: a 405 (with Allow) for a known path asked with another method, else a 404. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(unmatchedRoute(req.method, req.path));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500) logger.error({ err }, "unhandled error");
    if (headers) res.set(headers);
    res.status(status).json(body);
  };
}
