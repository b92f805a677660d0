// Access tokens (short-lived JWTs, HS256) and opaque random tokens (refresh, password reset).
import { createHash, randomBytes } from "node:crypto";
import jwt from "jsonwebtoken";
import { UnauthorizedError } from "../errors.js";
import type { Actor } from "../services/product-service.js";

export class AccessTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {}

  sign(actor: Actor): string {
    return jwt.sign({ role: actor.role }, this.secret, {
      algorithm: "HS256",
      subject: actor.id,
      expiresIn: this.ttlSeconds,
    });
  }

  verify(token: string): Actor {
    try {
      const payload = jwt.verify(token, this.secret, { algorithms: ["HS256"] });
      if (typeof payload === "string" || typeof payload.sub !== "string") throw new Error("bad payload");
      const role = payload.role === "admin" ? "admin" : "user";
      return { id: payload.sub, role };
    } catch {
      throw new UnauthorizedError("invalid or expired access token");
    }
  }

  get expiresIn(): number {
    return this.ttlSeconds;
  }
}

/** A random, URL-safe token and the SHA-256 hash that is stored instead of it. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
