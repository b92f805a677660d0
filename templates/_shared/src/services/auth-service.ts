// Authentication use cases: registration, login, refresh-token rotation with reuse detection,
// logout, password reset through a mailed one-time token.
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
    // An unknown email costs one verification too, so the answer does not tell registered emails apart.
    const passwordHash = user?.passwordHash ?? (await this.passwords.hashForUnknownUser());
    const ok = await this.passwords.verify(credentials.password, passwordHash);
    if (!user || !ok) throw new UnauthorizedError("invalid email or password");
    const { token, hash } = newOpaqueToken();
    await this.tokens.createRefreshToken(user.id, { tokenHash: hash, expiresAt: this.refreshExpiry() });
    return this.tokenPair(user, token);
  }

  /**
   * Rotates a refresh token in one atomic step, so of concurrent requests with one token exactly
   * one succeeds. Presenting a token that was already rotated (or revoked) revokes its family.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const presented = hashToken(refreshToken);
    const { token, hash } = newOpaqueToken();
    const successor = await this.tokens.rotateRefreshToken(
      presented,
      { tokenHash: hash, expiresAt: this.refreshExpiry() },
      new Date(),
    );
    if (!successor) {
      const stored = await this.tokens.findRefreshToken(presented);
      if (stored?.revokedAt) {
        await this.tokens.revokeFamily(stored.familyId);
        throw new UnauthorizedError("refresh token reuse detected; please log in again");
      }
      throw new UnauthorizedError(stored ? "refresh token expired" : "invalid refresh token");
    }
    const user = await this.users.findById(successor.userId);
    if (!user) throw new UnauthorizedError("invalid refresh token");
    return this.tokenPair(user, token);
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
    await this.tokens.createResetToken(user.id, {
      tokenHash: hash,
      expiresAt: new Date(Date.now() + this.settings.passwordResetTtlSeconds * 1000),
    });
    await this.mailer.send({
      to: user.email,
      subject: "Reset your password",
      text: `Use this token to reset your password: ${token}`,
    });
  }

  /** Uses the token in one atomic step: of concurrent confirmations with one token, one succeeds. */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const used = await this.tokens.consumeResetToken(hashToken(token), new Date());
    // A reset token is a credential: an unknown or used one is a 401, as an invalid refresh token is.
    if (!used) throw new AppError("invalid or expired reset token", 401, "invalid_token");
    await this.users.updatePassword(used.userId, await this.passwords.hash(password));
    await this.tokens.revokeAllForUser(used.userId);
  }

  verifyAccessToken(token: string): Actor {
    return this.accessTokens.verify(token);
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.settings.refreshTokenTtlSeconds * 1000);
  }

  private tokenPair(user: User, refreshToken: string): TokenPair {
    return {
      accessToken: this.accessTokens.sign({ id: user.id, role: user.role }),
      refreshToken,
      tokenType: "Bearer",
      expiresIn: this.accessTokens.expiresIn,
    };
  }
}
