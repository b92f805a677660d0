// Refresh tokens (rotated, grouped in families for reuse detection) and password-reset tokens.
// Only SHA-256 hashes of tokens are stored.

export interface RefreshToken {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface ResetToken {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface TokenRepository {
  createRefreshToken(t: Omit<RefreshToken, "id" | "revokedAt">): Promise<RefreshToken>;
  findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined>;
  revokeRefreshToken(id: string): Promise<void>;
  revokeFamily(familyId: string): Promise<void>;
  revokeAllForUser(userId: string): Promise<void>;
  createResetToken(t: Omit<ResetToken, "id" | "usedAt">): Promise<ResetToken>;
  findResetToken(tokenHash: string): Promise<ResetToken | undefined>;
  markResetTokenUsed(id: string): Promise<void>;
}
