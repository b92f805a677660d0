// The MySQL/MariaDB token repository (Kysely). MySQL has no UPDATE ... RETURNING, so each
// check-and-change is a conditional UPDATE whose affected-row count says whether this request won:
// the row's lock makes concurrent UPDATEs of one token run one after the other, and the later
// ones no longer match. Rotation also locks the token's family row (SELECT ... FOR UPDATE) in the
// same transaction, so a family revoked meanwhile stops it.
import { randomUUID } from "node:crypto";
import { KyselyTokenReads, toRefreshToken, toResetToken } from "../kysely/token-reads.js";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";

export class MysqlTokenRepository extends KyselyTokenReads implements TokenRepository {
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
}
