// Authentication and role-based authorization guards. The authenticated actor is kept on the request.
import { Inject, Injectable, SetMetadata } from "@nestjs/common";
import type { CanActivate, ExecutionContext } from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import type { Request } from "express";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import type { AuthService } from "../services/auth-service.js";
import type { Actor } from "../services/product-service.js";
import { AUTH_SERVICE } from "./tokens.js";

const ROLES = "roles";
type WithActor = Request & { actor?: Actor };

export const Roles = (...roles: Actor["role"][]) => SetMetadata(ROLES, roles);

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

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.get<Actor["role"][] | undefined>(ROLES, context.getHandler()) ?? [];
    const actor = actorOf(context.switchToHttp().getRequest<Request>());
    if (roles.length > 0 && !roles.includes(actor.role)) {
      throw new ForbiddenError(`requires the ${roles.join(" or ")} role`);
    }
    return true;
  }
}

export function actorOf(req: Request): Actor {
  const actor = (req as WithActor).actor;
  if (!actor) throw new UnauthorizedError();
  return actor;
}
