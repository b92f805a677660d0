// Authentication use cases: registration, login, refresh-token rotation with reuse detection,
// logout, password reset through a mailed one-time token.
import { randomUUID } from "node:crypto";
import type { AccessTokens } from "../auth/tokens.js";
import { hashToken, newOpaqueToken } from "../auth/tokens.js";
import type { PasswordHasher } from "../auth/passwords.js";
import type { Credentials, User } from "../domain/user.js";
import { AppError, ConflictError, NotFoundError, UnauthorizedError } from "../errors.js";
import type { Mailer } from "../mail/mailer.js";
import type { TokenRepository } from "../repositories/token-repository.js";
import type { UserRepository } from "../repositories/user-repository.js";
import type { Actor } from "./product-service.js";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

export interface AuthSettings {
  refreshTokenTtlSeconds: number;
  passwordResetTtlSeconds: number;
  /** Emails that register as admins (bootstrap). */
  adminEmails: readonly string[];
}

export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenRepository,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokens,
    private readonly mailer: Mailer,
    private readonly settings: AuthSettings,
  ) {}

  async register(credentials: Credentials): Promise<User> {
    const role = this.settings.adminEmails.includes(credentials.email) ? "admin" : "user";
    const passwordHash = await this.passwords.hash(credentials.password);
    const user = await this.users.create({ email: credentials.email, passwordHash, role });
    if (!user) throw new ConflictError("email already registered");
    return user;
  }

  async login(credentials: Credentials): Promise<TokenPair> {
    const user = await this.users.findByEmail(credentials.email);
    const ok = user ? await this.passwords.verify(credentials.password, user.passwordHash) : false;
    if (!user || !ok) throw new UnauthorizedError("invalid email or password");
    return this.issue(user, randomUUID());
  }

  /** Rotates a refresh token. Presenting an already rotated token revokes its whole family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const stored = await this.tokens.findRefreshToken(hashToken(refreshToken));
    if (!stored) throw new UnauthorizedError("invalid refresh token");
    if (stored.revokedAt) {
      await this.tokens.revokeFamily(stored.familyId);
      throw new UnauthorizedError("refresh token reuse detected; please log in again");
    }
    if (stored.expiresAt.getTime() <= Date.now()) throw new UnauthorizedError("refresh token expired");
    const user = await this.users.findById(stored.userId);
    if (!user) throw new UnauthorizedError("invalid refresh token");
    await this.tokens.revokeRefreshToken(stored.id);
    return this.issue(user, stored.familyId);
  }

  async logout(refreshToken: string): Promise<void> {
    const stored = await this.tokens.findRefreshToken(hashToken(refreshToken));
    if (stored) await this.tokens.revokeFamily(stored.familyId);
  }

  async me(actor: Actor): Promise<User> {
    const user = await this.users.findById(actor.id);
    if (!user) throw new NotFoundError("user");
    return user;
  }

  /** Always succeeds, so the response does not reveal which emails are registered. */
  async requestPasswordReset(email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user) return;
    const { token, hash } = newOpaqueToken();
    await this.tokens.createResetToken({
      userId: user.id,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + this.settings.passwordResetTtlSeconds * 1000),
    });
    await this.mailer.send({
      to: user.email,
      subject: "Reset your password",
      text: `Use this token to reset your password: ${token}`,
    });
  }

  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const stored = await this.tokens.findResetToken(hashToken(token));
    if (!stored || stored.usedAt || stored.expiresAt.getTime() <= Date.now()) {
      throw new AppError("invalid or expired reset token", 400, "invalid_token");
    }
    await this.users.updatePassword(stored.userId, await this.passwords.hash(password));
    await this.tokens.markResetTokenUsed(stored.id);
    await this.tokens.revokeAllForUser(stored.userId);
  }

  verifyAccessToken(token: string): Actor {
    return this.accessTokens.verify(token);
  }

  private async issue(user: User, familyId: string): Promise<TokenPair> {
    const { token, hash } = newOpaqueToken();
    await this.tokens.createRefreshToken({
      userId: user.id,
      familyId,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000),
    });
    return {
      accessToken: this.accessTokens.sign({ id: user.id, role: user.role }),
      refreshToken: token,
      tokenType: "Bearer",
      expiresIn: this.accessTokens.expiresIn,
    };
  }
}
