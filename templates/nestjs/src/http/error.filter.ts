// The one exception filter: every error becomes the JSON envelope of src/errors.ts — typed
// AppErrors and the HTTP errors of Nest and Express (unknown routes, malformed JSON or URLs, a body
// too large) with their 4xx status, anything else an opaque 500.
import { Catch } from "@nestjs/common";
import type { ArgumentsHost, ExceptionFilter } from "@nestjs/common";
import type { Response } from "express";
import { toErrorResponse } from "../errors.js";
import type { Logger } from "../logger.js";

@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(error);
    if (status >= 500) this.logger.error({ err: error }, "unhandled error");
    res.status(status).json(body);
  }
}
