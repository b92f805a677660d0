// The PostgreSQL token repository (Kysely). Rotation and consumption are single statements: the
// row a request wins is the row its UPDATE changed, so concurrent requests cannot both win.
import { KyselyTokenReads, toRefreshToken, toResetToken } from "../kysely/token-reads.js";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

export class PostgresTokenRepository extends KyselyTokenReads implements TokenRepository {
  async createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken> {
    const row = await this.db
      .with("family", (db) => db.insertInto("refresh_token_families").values({ user_id: userId }).returning("id"))
      .insertInto("refresh_tokens")
      .columns(["user_id", "family_id", "token_hash", "expires_at"])
      .expression((eb) =>
        eb
          .selectFrom("family")
          .select([
            eb.val(userId).as("user_id"),
            "family.id as family_id",
            eb.val(token.tokenHash).as("token_hash"),
            eb.val(token.expiresAt).as("expires_at"),
          ]),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRefreshToken(row);
  }

  async rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined> {
    const row = await this.db
      // Locks the token's family (unless revoked): a concurrent revocation waits for this statement.
      .with("family", (db) =>
        db
          .selectFrom("refresh_token_families")
          .select("id")
          .where("id", "=", (eb) =>
            eb.selectFrom("refresh_tokens").select("family_id").where("token_hash", "=", tokenHash),
          )
          .where("revoked_at", "is", null)
          .forNoKeyUpdate(),
      )
      .with("current", (db) =>
        db
          .updateTable("refresh_tokens")
          .set({ revoked_at: now })
          .where("token_hash", "=", tokenHash)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", now)
          .where("family_id", "in", (eb) => eb.selectFrom("family").select("id"))
          .returning(["user_id", "family_id"]),
      )
      .insertInto("refresh_tokens")
      .columns(["user_id", "family_id", "token_hash", "expires_at"])
      .expression((eb) =>
        eb
          .selectFrom("current")
          .select([
            "current.user_id",
            "current.family_id",
            eb.val(successor.tokenHash).as("token_hash"),
            eb.val(successor.expiresAt).as("expires_at"),
          ]),
      )
      .returningAll()
      .executeTakeFirst();
    return row && toRefreshToken(row);
  }

  async createResetToken(userId: string, token: NewToken): Promise<ResetToken> {
    const row = await this.db
      .insertInto("password_reset_tokens")
      .values({ user_id: userId, token_hash: token.tokenHash, expires_at: token.expiresAt })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toResetToken(row);
  }

  async consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined> {
    const row = await this.db
      .updateTable("password_reset_tokens")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    return row && toResetToken(row);
  }
}
