// The one error handler: every error becomes the JSON envelope of src/errors.ts — typed AppErrors
// and Express's own client errors (malformed JSON or URL, a body too large) with their 4xx status,
// anything else an opaque 500.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { NotFoundError, toErrorResponse } from "../../errors.js";
import type { Logger } from "../../logger.js";

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`route ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body } = toErrorResponse(err);
    if (status >= 500) logger.error({ err }, "unhandled error");
    res.status(status).json(body);
  };
}
