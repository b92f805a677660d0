// The one exception filter: every error becomes the JSON envelope of src/errors.ts — typed
// AppErrors and the HTTP errors of Nest and Express (unknown routes, malformed JSON or URLs, a body
// too large) with their 4xx status, anything else an opaque 500.
import { Catch, HttpException } from "@nestjs/common";
import type { ArgumentsHost, ExceptionFilter } from "@nestjs/common";
import type { Request, Response } from "express";
import { AppError, toErrorResponse } from "../errors.js";
import type { Logger } from "../logger.js";
import { unmatchedRoute } from "../routes.js";

@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    // Nest wraps an error that a body parser's `verify` hook threw (the UTF-8 check) in an
    // HttpException; the AppError it carries keeps its code.
    const error = thrown instanceof HttpException && thrown.cause instanceof AppError ? thrown.cause : thrown;
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    let answer = toErrorResponse(error);
    // Nest's own 404 means no route answered: a 405 (with Allow) for a known path asked with
    // another method.
    if (answer.status === 404 && !(error instanceof AppError)) {
      const req = http.getRequest<Request>();
      answer = toErrorResponse(unmatchedRoute(req.method, req.path));
    }
    const { status, body, headers } = answer;
    if (status >= 500) this.logger.error({ err: error }, "unhandled error");
    if (headers) res.set(headers);
    res.status(status).json(body);
  }
}
