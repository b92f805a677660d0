// The TypeORM token repository on MongoDB. A refresh-token family is one document: its live token
// (`current`) and the hashes it replaced (`rotated`). Rotation is one findOneAndUpdate on the
// family whose current token has the presented hash, and revocation one update of the same
// document, so MongoDB's single-document atomicity decides every race: of concurrent rotations of
// one token one wins, and a revocation either comes after a rotation (and covers its successor,
// which lives in the revoked family) or before it (and the rotation finds no live family).
// A password-reset token is consumed by one findOneAndUpdate on its unused hash.
import { randomUUID } from "node:crypto";
import type { MongoRepository } from "typeorm";
import type { TypeormDatabase } from "../../db/typeorm.js";
import type { NewToken, RefreshToken, ResetToken, TokenRepository } from "../token-repository.js";
import { RefreshTokenFamilyDocument, ResetTokenDocument } from "./mongodb-entities.js";
import type { StoredToken } from "./mongodb-entities.js";

function toRefreshToken(family: RefreshTokenFamilyDocument, token: StoredToken, revokedAt: Date | null): RefreshToken {
  return {
    id: token.id,
    userId: family.userId,
    familyId: family._id,
    tokenHash: token.tokenHash,
    expiresAt: token.expiresAt,
    revokedAt: revokedAt ?? family.revokedAt,
  };
}

function toResetToken(doc: ResetTokenDocument): ResetToken {
  return { id: doc._id, userId: doc.userId, tokenHash: doc.tokenHash, expiresAt: doc.expiresAt, usedAt: doc.usedAt };
}

export class TypeormMongoTokenRepository implements TokenRepository {
  constructor(private readonly db: TypeormDatabase) {}

  private async families(): Promise<MongoRepository<RefreshTokenFamilyDocument>> {
    return (await this.db.source()).getMongoRepository(RefreshTokenFamilyDocument);
  }

  private async resets(): Promise<MongoRepository<ResetTokenDocument>> {
    return (await this.db.source()).getMongoRepository(ResetTokenDocument);
  }

  async createRefreshToken(userId: string, token: NewToken): Promise<RefreshToken> {
    const family: RefreshTokenFamilyDocument = {
      _id: randomUUID(),
      userId,
      createdAt: new Date(),
      revokedAt: null,
      current: { id: randomUUID(), tokenHash: token.tokenHash, expiresAt: token.expiresAt },
      rotated: [],
    };
    await (await this.families()).insertOne(family);
    return toRefreshToken(family, family.current, null);
  }

  async rotateRefreshToken(tokenHash: string, successor: NewToken, now: Date): Promise<RefreshToken | undefined> {
    const next: StoredToken = { id: randomUUID(), tokenHash: successor.tokenHash, expiresAt: successor.expiresAt };
    const family = (await (await this.families()).findOneAndUpdate(
      { "current.tokenHash": tokenHash, "current.expiresAt": { $gt: now }, revokedAt: null },
      // An update pipeline: the replaced token moves to `rotated` with the time it was revoked.
      [
        {
          $set: {
            rotated: { $concatArrays: ["$rotated", [{ $mergeObjects: ["$current", { revokedAt: now }] }]] },
            current: { $literal: next },
          },
        },
      ],
      { returnDocument: "after" },
    )) as RefreshTokenFamilyDocument | null;
    return family ? toRefreshToken(family, family.current, null) : undefined;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const family = await (await this.families()).findOneBy({
      $or: [{ "current.tokenHash": tokenHash }, { "rotated.tokenHash": tokenHash }],
    });
    if (!family) return undefined;
    if (family.current.tokenHash === tokenHash) return toRefreshToken(family, family.current, null);
    const old = family.rotated.find((t) => t.tokenHash === tokenHash);
    return old && toRefreshToken(family, old, old.revokedAt);
  }

  async revokeFamily(familyId: string): Promise<void> {
    await (await this.families()).updateOne({ _id: familyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  async revokeAllForUser(userId: string): Promise<void> {
    await (await this.families()).updateMany({ userId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  }

  async createResetToken(userId: string, token: NewToken): Promise<ResetToken> {
    const doc: ResetTokenDocument = { _id: randomUUID(), userId, tokenHash: token.tokenHash, expiresAt: token.expiresAt, usedAt: null };
    await (await this.resets()).insertOne(doc);
    return toResetToken(doc);
  }

  async consumeResetToken(tokenHash: string, now: Date): Promise<ResetToken | undefined> {
    const doc = (await (await this.resets()).findOneAndUpdate(
      { tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
      { returnDocument: "after" },
    )) as ResetTokenDocument | null;
    return doc ? toResetToken(doc) : undefined;
  }
}
