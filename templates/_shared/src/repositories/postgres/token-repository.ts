// The PostgreSQL token repository (Kysely).
import type { Kysely } from "kysely";
import type { Database } from "../../db/database.js";
import type { RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

export class PostgresTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createRefreshToken(t: Omit<RefreshToken, "id" | "revokedAt">): Promise<RefreshToken> {
    const row = await this.db
      .insertInto("refresh_tokens")
      .values({ user_id: t.userId, family_id: t.familyId, token_hash: t.tokenHash, expires_at: t.expiresAt })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ...t, id: row.id, revokedAt: null };
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const row = await this.db
      .selectFrom("refresh_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        userId: row.user_id,
        familyId: row.family_id,
        tokenHash: row.token_hash,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
      }
    );
  }

  async revokeRefreshToken(id: string): Promise<void> {
    await this.db
      .updateTable("refresh_tokens")
      .set({ revoked_at: new Date() })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db
      .updateTable("refresh_tokens")
      .set({ revoked_at: new Date() })
      .where("family_id", "=", familyId)
      .where("revoked_at", "is", null)
      .execute();
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.db
      .updateTable("refresh_tokens")
      .set({ revoked_at: new Date() })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
  }

  async createResetToken(t: Omit<ResetToken, "id" | "usedAt">): Promise<ResetToken> {
    const row = await this.db
      .insertInto("password_reset_tokens")
      .values({ user_id: t.userId, token_hash: t.tokenHash, expires_at: t.expiresAt })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ...t, id: row.id, usedAt: null };
  }

  async findResetToken(tokenHash: string): Promise<ResetToken | undefined> {
    const row = await this.db
      .selectFrom("password_reset_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        userId: row.user_id,
        tokenHash: row.token_hash,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
      }
    );
  }

  async markResetTokenUsed(id: string): Promise<void> {
    await this.db.updateTable("password_reset_tokens").set({ used_at: new Date() }).where("id", "=", id).execute();
  }
}
