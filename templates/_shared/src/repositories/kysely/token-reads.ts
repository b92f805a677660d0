// What the Kysely token repositories share whatever the SQL engine: the row mapping, the lookup
// and the revocations. Each engine's repository adds the atomic check-and-change steps (rotation,
// reset-token use), which need its dialect.
import type { Kysely, Selectable } from "kysely";
import type { Database, PasswordResetTokensTable, RefreshTokensTable } from "../../db/database.js";
import type { RefreshToken, ResetToken } from "../token-repository.js";

export function toRefreshToken(row: Selectable<RefreshTokensTable>): RefreshToken {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function toResetToken(row: Selectable<PasswordResetTokensTable>): ResetToken {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

export abstract class KyselyTokenReads {
  constructor(protected readonly db: Kysely<Database>) {}

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
