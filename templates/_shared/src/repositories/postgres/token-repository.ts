// The PostgreSQL token repository (Kysely). Rotation and consumption are single statements: the
// row a request wins is the row its UPDATE changed, so concurrent requests cannot both win.
import type { Kysely, Selectable } from "kysely";
import type { Database, PasswordResetTokensTable, RefreshTokensTable } from "../../db/database.js";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshToken {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toResetToken(row: Selectable<PasswordResetTokensTable>): ResetToken {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

export class PostgresTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

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

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const row = await this.db
      .selectFrom("refresh_tokens as t")
      .innerJoin("refresh_token_families as f", "f.id", "t.family_id")
      .select(["t.id", "t.user_id", "t.family_id", "t.token_hash", "t.expires_at"])
      .select((eb) => eb.fn.coalesce("t.revoked_at", "f.revoked_at").as("revoked_at"))
      .where("t.token_hash", "=", tokenHash)
      .executeTakeFirst();
    return row && toRefreshToken(row);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.revokeFamilies({ family: "id", token: "family_id" }, familyId);
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await this.revokeFamilies({ family: "user_id", token: "user_id" }, userId);
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

  /** Revokes the families whose `column.family` is `value`, then their tokens (`column.token`). */
  private async revokeFamilies(
    column: { family: "id" | "user_id"; token: "family_id" | "user_id" },
    value: string,
  ): Promise<void> {
    const now = new Date();
    // The families first: this waits for a rotation in progress, and no rotation starts after it.
    await this.db
      .updateTable("refresh_token_families")
      .set({ revoked_at: now })
      .where(column.family, "=", value)
      .where("revoked_at", "is", null)
      .execute();
    // Then their tokens, including one that such a rotation issued.
    await this.db
      .updateTable("refresh_tokens")
      .set({ revoked_at: now })
      .where(column.token, "=", value)
      .where("revoked_at", "is", null)
      .execute();
  }
}
