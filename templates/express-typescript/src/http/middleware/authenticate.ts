// Authentication middleware. The authenticated actor is kept in res.locals; what it may do is
// decided by the services (e.g. owners and admins change products).
import type { RequestHandler, Response } from "express";
import { UnauthorizedError } from "../../errors.js";
import type { AuthService } from "../../services/auth-service.js";
import type { Actor } from "../../services/product-service.js";

export function authenticate(auth: AuthService): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (!header?.startsWith("Bearer ")) throw new UnauthorizedError();
    res.locals.actor = auth.verifyAccessToken(header.slice("Bearer ".length));
    next();
  };
}

export function actorOf(res: Response): Actor {
  const actor = res.locals.actor as Actor | undefined;
  if (!actor) throw new UnauthorizedError();
  return actor;
}
