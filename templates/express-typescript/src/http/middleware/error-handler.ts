// The one error handler: typed AppErrors map to their status, malformed JSON to 400, the rest to 500.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { NotFoundError, toErrorResponse } from "../../errors.js";
import type { Logger } from "../../logger.js";

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`route ${req.method} ${req.path}`));
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const clientError = err as { status?: unknown; expose?: unknown; message?: string };
    if (typeof clientError.status === "number" && clientError.status < 500 && clientError.expose === true) {
      res.status(clientError.status).json({ error: { code: "bad_request", message: clientError.message } });
      return;
    }
    const { status, body } = toErrorResponse(err);
    if (status >= 500) logger.error({ err }, "unhandled error");
    res.status(status).json(body);
  };
}
