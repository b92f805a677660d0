// The authentication hook. The authenticated actor is set on the request; what it may do is
// decided by the services (e.g. owners and admins change products).
import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { UnauthorizedError } from "../errors.js";
import type { AuthService } from "../services/auth-service.js";
import type { Actor } from "../services/product-service.js";

declare module "fastify" {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export function authenticate(auth: AuthService): preHandlerAsyncHookHandler {
  return async (request) => {
    const header = request.headers.authorization;
    if (!header?.startsWith("Bearer ")) throw new UnauthorizedError();
    request.actor = auth.verifyAccessToken(header.slice("Bearer ".length));
  };
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError();
  return request.actor;
}
