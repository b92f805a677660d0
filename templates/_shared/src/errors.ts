// Typed application errors. Services throw these; the one HTTP error handler maps them to responses.

export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(details: unknown) {
    super("request validation failed", 400, "validation_failed", details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "authentication required") {
    super(message, 401, "unauthorized");
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "not allowed") {
    super(message, 403, "forbidden");
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 404, "not_found");
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, "conflict");
  }
}

/** A known path asked with a method it does not answer; `allow` becomes the Allow header. */
export class MethodNotAllowedError extends AppError {
  constructor(
    method: string,
    path: string,
    readonly allow: readonly string[],
  ) {
    super(`${method} is not allowed on ${path}`, 405, "method_not_allowed", { allow });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super("request bodies must be application/json", 415, "unsupported_media_type");
  }
}

/** Text in a request body or URL that is not UTF-8 (src/utf8.ts): refused, never replaced with U+FFFD. */
export class InvalidUtf8Error extends AppError {
  constructor(where: "body" | "URL") {
    super(`the request ${where} is not valid UTF-8`, 400, "invalid_encoding");
  }
}

export class RateLimitedError extends AppError {
  constructor() {
    super("too many requests, try again later", 429, "rate_limited");
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The `error.code` of the client errors the HTTP frameworks raise themselves. */
const CLIENT_ERROR_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/**
 * Maps any thrown value to a status and a body. AppErrors keep theirs; the client errors of the
 * HTTP frameworks (malformed JSON or URL, a body too large, an unsupported media type: a 4xx
 * `status` or `statusCode`) keep their status under one envelope; anything else is an opaque 500.
 */
export function toErrorResponse(err: unknown): {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
} {
  if (err instanceof MethodNotAllowedError) {
    return {
      status: 405,
      body: { error: { code: err.code, message: err.message, details: err.details } },
      headers: { Allow: err.allow.join(", ") },
    };
  }
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, details: err.details } },
    };
  }
  const framework = err as { status?: unknown; statusCode?: unknown; message?: unknown } | null;
  const status = framework?.status ?? framework?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const message = typeof framework?.message === "string" && framework.message ? framework.message : "bad request";
    return { status, body: { error: { code: CLIENT_ERROR_CODES[status] ?? "bad_request", message } } };
  }
  return { status: 500, body: { error: { code: "internal", message: "internal server error" } } };
}
