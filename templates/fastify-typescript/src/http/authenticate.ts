// Authentication and role-based authorization hooks. The authenticated actor is set on the request.
import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
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

export function requireRole(role: Actor["role"]): preHandlerAsyncHookHandler {
  return async (request) => {
    if (actorOf(request).role !== role) throw new ForbiddenError(`requires the ${role} role`);
  };
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError();
  return request.actor;
}
