// Refresh tokens (rotated, grouped in families for reuse detection) and password-reset tokens.
// Only SHA-256 hashes of tokens are stored. Every check-and-change of a token is one atomic step
// of the repository, so concurrent requests presenting the same token cannot both succeed.

export interface RefreshToken {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  /** When the token, or its whole family, was revoked. */
  revokedAt: Date | null;
}

export interface ResetToken {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

/** A token to store: its hash and its expiry. */
export interface NewToken {
  tokenHash: string;
  expiresAt: Date;
}

export interface TokenRepository {
  /** Starts a new family (a login) with its first refresh token. */
  createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken>;
  /**
   * One atomic step: revokes the live token with this hash (not revoked, not expired at `now`,
   * in a family that is not revoked) and stores `successor` in the same family. Undefined when
   * there is no such token: of any number of concurrent calls with one hash, at most one succeeds.
   */
  rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  /** Revokes a family: none of its tokens can be rotated any more, not even one issued concurrently. */
  revokeFamily(familyId: string): Promise<void>;
  /** Revokes every family of a user (password reset). */
  revokeAllForUser(userId: string): Promise<void>;
  createResetToken(userId: string, token: NewToken): Promise<ResetToken>;
  /**
   * One atomic step: marks the unused, unexpired reset token with this hash used and returns it.
   * Undefined when there is none: of any number of concurrent calls, at most one gets the token.
   */
  consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined>;
}
