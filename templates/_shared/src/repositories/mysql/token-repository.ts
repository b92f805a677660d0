// The MySQL/MariaDB token repository (Kysely). MySQL has no UPDATE ... RETURNING, so each
// check-and-change is a conditional UPDATE whose affected-row count says whether this request won:
// the row's lock makes concurrent UPDATEs of one token run one after the other, and the later
// ones no longer match. Rotation also locks the token's family row (SELECT ... FOR UPDATE) in the
// same transaction, so a family revoked meanwhile stops it.
import { randomUUID } from "node:crypto";
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

export class MysqlTokenRepository implements TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken> {
    const row = {
      id: randomUUID(),
      user_id: userId,
      family_id: randomUUID(),
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
      revoked_at: null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto("refresh_token_families").values({ id: row.family_id, user_id: userId }).execute();
      await tx.insertInto("refresh_tokens").values(row).execute();
    });
    return toRefreshToken(row);
  }

  async rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined> {
    return this.db.transaction().execute(async (tx) => {
      // Locks the token's family (unless revoked): a concurrent revocation waits for this
      // transaction, and one that came first leaves nothing to lock.
      const family = await tx
        .selectFrom("refresh_token_families")
        .select(["id", "user_id"])
        .where("id", "=", (eb) => eb.selectFrom("refresh_tokens").select("family_id").where("token_hash", "=", tokenHash))
        .where("revoked_at", "is", null)
        .forUpdate()
        .executeTakeFirst();
      if (!family) return undefined;
      // The check and the change in one statement: of concurrent rotations, one changes the row.
      const revoked = await tx
        .updateTable("refresh_tokens")
        .set({ revoked_at: now })
        .where("token_hash", "=", tokenHash)
        .where("family_id", "=", family.id)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      if (revoked.numUpdatedRows !== 1n) return undefined;
      const row = {
        id: randomUUID(),
        user_id: family.user_id,
        family_id: family.id,
        token_hash: successor.tokenHash,
        expires_at: successor.expiresAt,
        revoked_at: null,
      };
      await tx.insertInto("refresh_tokens").values(row).execute();
      return toRefreshToken(row);
    });
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
    const row = { id: randomUUID(), user_id: userId, token_hash: token.tokenHash, expires_at: token.expiresAt, used_at: null };
    await this.db.insertInto("password_reset_tokens").values(row).execute();
    return toResetToken(row);
  }

  async consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined> {
    // The check and the change in one statement; the affected-row count says whether this call won.
    const used = await this.db
      .updateTable("password_reset_tokens")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (used.numUpdatedRows !== 1n) return undefined;
    const row = await this.db
      .selectFrom("password_reset_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
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
