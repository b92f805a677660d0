// The one exception filter: typed AppErrors map to their status, Nest's HTTP exceptions (unknown
// routes, malformed JSON) keep theirs, anything else is an opaque 500.
import { Catch, HttpException } from "@nestjs/common";
import type { ArgumentsHost, ExceptionFilter } from "@nestjs/common";
import type { Response } from "express";
import { AppError, toErrorResponse } from "../errors.js";
import type { Logger } from "../logger.js";

@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (!(error instanceof AppError)) {
      const status =
        error instanceof HttpException ? error.getStatus() : (error as { status?: unknown }).status;
      if (typeof status === "number" && status < 500) {
        const code = status === 404 ? "not_found" : "bad_request";
        res.status(status).json({ error: { code, message: (error as Error).message } });
        return;
      }
      this.logger.error({ err: error }, "unhandled error");
    }
    const { status, body } = toErrorResponse(error);
    res.status(status).json(body);
  }
}
