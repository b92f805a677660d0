// The authentication guard. The authenticated actor is kept on the request; what it may do is
// decided by the services (e.g. owners and admins change products).
import { Inject, Injectable } from "@nestjs/common";
import type { CanActivate, ExecutionContext } from "@nestjs/common";
import type { Request } from "express";
import { UnauthorizedError } from "../errors.js";
import type { AuthService } from "../services/auth-service.js";
import type { Actor } from "../services/product-service.js";
import { AUTH_SERVICE } from "./tokens.js";

type WithActor = Request & { actor?: Actor };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(AUTH_SERVICE) private readonly auth: AuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WithActor>();
    const header = req.headers.authorization;
    if (!header?.startsWith("Bearer ")) throw new UnauthorizedError();
    req.actor = this.auth.verifyAccessToken(header.slice("Bearer ".length));
    return true;
  }
}

export function actorOf(req: Request): Actor {
  const actor = (req as WithActor).actor;
  if (!actor) throw new UnauthorizedError();
  return actor;
}
